/*
 * Reader for ELF64 little-endian RISC-V executables: the header and the
 * program headers, which is all a loader needs.
 *
 * Shared by the kernel (freestanding) and host tests. The image is untrusted:
 * elf_open() checks that the header and every program header lie inside it,
 * elf_load_segment() that a segment's file bytes do; fields are read byte by
 * byte, so the image may sit at any alignment.
 */
#ifndef FERRY_LIB_ELF_H
#define FERRY_LIB_ELF_H

#include <stddef.h>
#include <stdint.h>

enum elf_error {
    ELF_OK = 0,
    ELF_E_TRUNCATED = -1, /* header or program header table past the end of the image */
    ELF_E_MAGIC = -2,     /* not \x7fELF */
    ELF_E_CLASS = -3,     /* not ELFCLASS64 */
    ELF_E_DATA = -4,      /* not little-endian (ELFDATA2LSB) */
    ELF_E_VERSION = -5,   /* EI_VERSION or e_version not EV_CURRENT */
    ELF_E_TYPE = -6,      /* not ET_EXEC */
    ELF_E_MACHINE = -7,   /* not EM_RISCV */
    ELF_E_PHENTSIZE = -8, /* program header size is not 56 */
    ELF_E_INDEX = -9,     /* segment index >= phnum */
    ELF_E_SEGMENT = -10,  /* filesz > memsz, file bytes past the image, or vaddr + memsz wraps */
};

#define ELF_EM_RISCV 243
#define ELF_PT_LOAD  1

/* Segment permission flags (p_flags). */
#define ELF_PF_X 0x1u
#define ELF_PF_W 0x2u
#define ELF_PF_R 0x4u

struct elf_segment {
    uint64_t vaddr, memsz, filesz, offset; /* offset: of the file bytes in the image */
    uint32_t flags;                        /* ELF_PF_R/W/X */
};

/* Filled by elf_open(); the bounds checks of elf_load_segment() rely on that. */
struct elf_image {
    const uint8_t *data;
    size_t size;
    uint64_t entry;
    uint16_t phnum;
    uint64_t phoff;
};

/* Validates the ELF header of data[0..size) and fills *img (zeroed on error). */
int elf_open(struct elf_image *img, const void *data, size_t size);
/*
 * Program header `index`: 1 if it is a PT_LOAD segment (*seg filled), 0 if
 * it is another type, ELF_E_INDEX or ELF_E_SEGMENT on error.
 */
int elf_load_segment(const struct elf_image *img, unsigned index, struct elf_segment *seg);
/* "ELF_E_MAGIC" ... for logs; "ELF_E_UNKNOWN" for anything else. */
const char *elf_error_name(int err);

/* The ELF64 file layout (byte offsets), shared by the reader and its tests. */
#define EHDR_SIZE   64u
#define EI_CLASS    4
#define EI_DATA     5
#define EI_VERSION  6
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC     2
#define E_TYPE      16
#define E_MACHINE   18
#define E_VERSION   20
#define E_ENTRY     24
#define E_PHOFF     32
#define E_PHENTSIZE 54
#define E_PHNUM     56

/* ELF64 program header layout. */
#define PHDR_SIZE 56u
#define P_TYPE    0
#define P_FLAGS   4
#define P_OFFSET  8
#define P_VADDR   16
#define P_FILESZ  32
#define P_MEMSZ   40


#endif
