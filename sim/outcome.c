/* placeholder */
typedef int cy_placeholder_outcome;
