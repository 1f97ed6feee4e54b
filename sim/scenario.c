/* placeholder */
typedef int cy_placeholder_scenario;
