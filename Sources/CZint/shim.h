// libzint (Debian: libzint-dev), the QR encoder behind receipts.
#include <zint.h>

// A module of an encoded symbol: libzint keeps 8 modules per byte, the lowest bit first.
// (Read here rather than in Swift, where the 200×144 array is a tuple of tuples.)
static inline int custodia_zint_module(const struct zint_symbol *symbol, int row, int column) {
    return (symbol->encoded_data[row][column >> 3] >> (column & 7)) & 1;
}

static inline const char *custodia_zint_error(const struct zint_symbol *symbol) {
    return symbol->errtxt;
}
