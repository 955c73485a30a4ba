/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replay driver for fuzz targets in normal builds: runs
 * LLVMFuzzerTestOneInput over every file of the corpus directories given on
 * the command line. Fails when a directory is missing or empty, so a lost
 * corpus cannot pass silently.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    uint8_t *data = malloc(1 << 20);
    if (!data) {
        fclose(f);
        return -1;
    }
    size_t n = fread(data, 1, 1 << 20, f);
    fclose(f);
    /* Exact-size copy so ASan sees reads past the input. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(data);
        return -1;
    }
    memcpy(exact, data, n);
    free(data);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned total = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            perror(argv[i]);
            return 1;
        }
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.') {
                continue;
            }
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
            if (run_file(path) != 0) {
                closedir(d);
                return 1;
            }
            total++;
        }
        closedir(d);
    }
    printf("replayed %u inputs\n", total);
    return total > 0 ? 0 : 1;
}
