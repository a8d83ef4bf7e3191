/*
 * The tiny RISC-V executable test_elf reads: linked with -Ttext=0x10000, so
 * the entry point is 0x10000, plus one writable word with a known pattern.
 */
unsigned long tiny_tag = 0x1122334455667788ul;

void _start(void)
{
    for (;;)
        tiny_tag++;
}
