/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * demangle.h - C++ and Rust (legacy mangling) symbol names made readable.
 *
 * Uses libstdc++'s __cxa_demangle (the Itanium C++ ABI demangler every
 * g++/clang++ toolchain on Linux ships): libiberty's cplus_demangle is not
 * installed here (binutils-dev), and __cxa_demangle is a plain C-callable
 * function, so no C++ shim is needed, only -lstdc++.  Rust's legacy scheme
 * is Itanium-shaped (_ZN...17h<hash>E): demangled the same way, then the
 * ::h<16 hex> hash suffix is dropped.  Rust v0 (_R...) is left as is.
 */
#ifndef OPTRACE_DEMANGLE_H
#define OPTRACE_DEMANGLE_H

/*
 * The readable form of sym (malloc'd), or NULL when sym is not a mangled
 * C++/Rust name (or on ENOMEM): callers then keep sym.
 */
char *demangle__name(const char *sym);

#endif
