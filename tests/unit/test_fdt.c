#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fdt/fdt.h"
static void t(void **s){(void)s; assert_int_equal(fdt_check(NULL,0), FDT_E_BADARG);}
int main(void){const struct CMUnitTest tests[]={cmocka_unit_test(t)};return cmocka_run_group_tests(tests,NULL,NULL);}
