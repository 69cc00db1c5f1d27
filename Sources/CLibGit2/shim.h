#ifndef SCAFFOLD_CLIBGIT2_SHIM_H
#define SCAFFOLD_CLIBGIT2_SHIM_H
#include <git2.h>
#endif
