/* placeholder: replaced by the kernel work */
typedef int cy_placeholder_kernel;
