# SPDX-License-Identifier: Apache-2.0
# Compiler flags: the warning set of STYLE.md §9, sanitizers, hardening.
add_compile_definitions(_GNU_SOURCE SW_VERSION="${PROJECT_VERSION}"
                        SW_PORTAL_DIR="${PROJECT_SOURCE_DIR}/portal")
add_compile_options(
  -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wstrict-prototypes
  -Wmissing-prototypes -Wold-style-definition -Wcast-qual -Wpointer-arith
  -Wvla -Wundef -Wimplicit-fallthrough)
if(SW_WERROR)
  add_compile_options(-Werror)
endif()
if(SW_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
if(SW_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                      -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(SW_COVERAGE)
  add_compile_options(--coverage -O0)
  add_link_options(--coverage)
endif()
if(SW_HARDEN)
  add_compile_options(-fPIE -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
                      -fstack-protector-strong -fstack-clash-protection)
  add_link_options(-pie -Wl,-z,relro,-z,now)
endif()
