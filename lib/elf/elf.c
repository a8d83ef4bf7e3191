/*
 * ELF64 executable reader (see elf.h).
 */
#include <ferry/macros.h>
#include "elf.h"

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

int elf_open(struct elf_image *img, const void *data, size_t size)
{
    const uint8_t *d = data;

    *img = (struct elf_image){0};
    if (d == NULL || size < EHDR_SIZE)
        return ELF_E_TRUNCATED;
    if (d[0] != 0x7f || d[1] != 'E' || d[2] != 'L' || d[3] != 'F')
        return ELF_E_MAGIC;
    if (d[EI_CLASS] != ELFCLASS64)
        return ELF_E_CLASS;
    if (d[EI_DATA] != ELFDATA2LSB)
        return ELF_E_DATA;
    if (d[EI_VERSION] != EV_CURRENT || le32(d + E_VERSION) != EV_CURRENT)
        return ELF_E_VERSION;
    if (le16(d + E_TYPE) != ET_EXEC)
        return ELF_E_TYPE;
    if (le16(d + E_MACHINE) != ELF_EM_RISCV)
        return ELF_E_MACHINE;
    if (le16(d + E_PHENTSIZE) != PHDR_SIZE)
        return ELF_E_PHENTSIZE;

    /* The whole table must be inside: phnum <= 65535, so the product cannot overflow. */
    uint64_t phoff = le64(d + E_PHOFF);
    uint16_t phnum = le16(d + E_PHNUM);
    if (phoff > size || (uint64_t)phnum * PHDR_SIZE > size - phoff)
        return ELF_E_TRUNCATED;

    img->data = d;
    img->size = size;
    img->entry = le64(d + E_ENTRY);
    img->phnum = phnum;
    img->phoff = phoff;
    return ELF_OK;
}

int elf_load_segment(const struct elf_image *img, unsigned index, struct elf_segment *seg)
{
    if (index >= img->phnum)
        return ELF_E_INDEX;
    /* Inside the image: elf_open() checked the whole table. */
    const uint8_t *ph = img->data + img->phoff + (uint64_t)index * PHDR_SIZE;
    if (le32(ph + P_TYPE) != ELF_PT_LOAD)
        return 0;

    uint64_t offset = le64(ph + P_OFFSET);
    uint64_t vaddr = le64(ph + P_VADDR);
    uint64_t filesz = le64(ph + P_FILESZ);
    uint64_t memsz = le64(ph + P_MEMSZ);
    if (filesz > memsz)
        return ELF_E_SEGMENT; /* more bytes to copy than to map */
    if (offset > img->size || filesz > img->size - offset)
        return ELF_E_SEGMENT; /* file bytes outside the image */
    if (memsz > UINT64_MAX - vaddr)
        return ELF_E_SEGMENT; /* end address wraps around */

    seg->vaddr = vaddr;
    seg->memsz = memsz;
    seg->filesz = filesz;
    seg->offset = offset;
    seg->flags = le32(ph + P_FLAGS) & (ELF_PF_R | ELF_PF_W | ELF_PF_X);
    return 1;
}

const char *elf_error_name(int err)
{
    static const char *const names[] = {
        [-ELF_OK] = "ELF_OK",
        [-ELF_E_TRUNCATED] = "ELF_E_TRUNCATED",
        [-ELF_E_MAGIC] = "ELF_E_MAGIC",
        [-ELF_E_CLASS] = "ELF_E_CLASS",
        [-ELF_E_DATA] = "ELF_E_DATA",
        [-ELF_E_VERSION] = "ELF_E_VERSION",
        [-ELF_E_TYPE] = "ELF_E_TYPE",
        [-ELF_E_MACHINE] = "ELF_E_MACHINE",
        [-ELF_E_PHENTSIZE] = "ELF_E_PHENTSIZE",
        [-ELF_E_INDEX] = "ELF_E_INDEX",
        [-ELF_E_SEGMENT] = "ELF_E_SEGMENT",
    };
    if (err > 0 || err <= -(int)(ARRAY_SIZE(names)))
        return "ELF_E_UNKNOWN";
    return names[-err];
}
