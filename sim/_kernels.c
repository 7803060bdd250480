/*
 * sim._kernels: compiled helpers for the hot loops that numpy cannot fuse.
 *
 * group_sums(out, keys, weights) adds every row's weights into the bins its keys name,
 * row after row. For each bin and weight the additions happen in increasing row order,
 * starting from what `out` holds, exactly as `np.bincount(key, weights=w)` does for one
 * key and one weight: the results are bit-identical to those bincounts (tests check it),
 * but all keys and weights are done in one pass over the rows, with independent
 * accumulators instead of one dependent chain per bincount.
 *
 * Compiled with -ffp-contract=off (setup.py): a fused multiply-add would change bits.
 * Uses only the buffer protocol, so it needs no numpy headers to build.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_KEYS 8
#define MAX_WEIGHTS 64

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static void release(Buf *bufs, Py_ssize_t count) {
    for (Py_ssize_t i = 0; i < count; i++) {
        if (bufs[i].held) {
            PyBuffer_Release(&bufs[i].view);
            bufs[i].held = 0;
        }
    }
}

/* A one-dimensional C-contiguous buffer of `n` items whose format is one of `formats`. */
static int get_vector(PyObject *obj, Buf *buf, Py_ssize_t n, const char *formats,
                      Py_ssize_t itemsize, const char *what, Py_ssize_t index) {
    if (PyObject_GetBuffer(obj, &buf->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        return -1;
    }
    buf->held = 1;
    const char *fmt = buf->view.format ? buf->view.format : "B";
    if (fmt[0] == '<' || fmt[0] == '=' || fmt[0] == '@') {
        fmt++;
    }
    if (buf->view.ndim != 1 || buf->view.itemsize != itemsize || strlen(fmt) != 1 ||
        strchr(formats, fmt[0]) == NULL) {
        PyErr_Format(PyExc_TypeError,
                     "%s %zd must be a 1-d contiguous array of format '%s' "
                     "(item size %zd), got format '%s', %d dimension(s)",
                     what, index, formats, itemsize, buf->view.format, buf->view.ndim);
        return -1;
    }
    if (buf->view.shape[0] != n) {
        PyErr_Format(PyExc_ValueError, "%s %zd has %zd rows, expected %zd", what,
                     index, buf->view.shape[0], n);
        return -1;
    }
    return 0;
}


/* numpy.maximum(a, b) for float64: a NaN wins, else a if a > b, else b (so of two zeros
 * the second: maximum(-0.0, 0.0) is +0.0 and maximum(0.0, -0.0) is -0.0). */
static inline double np_maximum(double a, double b) {
    if (a != a) {
        return a;
    }
    if (b != b) {
        return b;
    }
    return a > b ? a : b;
}

#define CHUNK 8
#define BLOCK 2048 /* rows: 2048 x (21 float64 and bool weights + keys) ~ 0.3 MB */


/* Up to eight weights of one type T, every row into one bin: the accumulators stay in
 * registers (the unrolled body is written for C weights, C a compile-time constant). */
#define ADD_CONSTANT(T, C)                                                                    \
    do {                                                                                      \
        const T *restrict p[C];                                                               \
        double s[C];                                                                          \
        for (int j = 0; j < C; j++) {                                                         \
            p[j] = (const T *)w[j];                                                           \
            s[j] = bin[j];                                                                    \
        }                                                                                     \
        for (Py_ssize_t i = i0; i < i1; i++) {                                                \
            for (int j = 0; j < C; j++) {                                                     \
                s[j] += (double)p[j][i];                                                      \
            }                                                                                 \
        }                                                                                     \
        for (int j = 0; j < C; j++) {                                                         \
            bin[j] = s[j];                                                                    \
        }                                                                                     \
    } while (0)

/* Up to eight weights of one type T, each listed row i into bin key[i]. */
#define ADD_KEYED(T, C)                                                                       \
    do {                                                                                      \
        const T *restrict p[C];                                                               \
        for (int j = 0; j < C; j++) {                                                         \
            p[j] = (const T *)w[j];                                                           \
        }                                                                                     \
        for (Py_ssize_t m = 0; m < n_rows; m++) {                                             \
            Py_ssize_t i = rows[m];                                                           \
            double *restrict r = acc + key[i] * stride;                                       \
            for (int j = 0; j < C; j++) {                                                     \
                r[j] += (double)p[j][i];                                                      \
            }                                                                                 \
        }                                                                                     \
    } while (0)

#define DISPATCH(MACRO, T)                                                                    \
    switch (c) {                                                                              \
    case 8: MACRO(T, 8); break;                                                               \
    case 4: MACRO(T, 4); break;                                                               \
    case 2: MACRO(T, 2); break;                                                               \
    default: MACRO(T, 1); break;                                                              \
    }

/* Every row into one bin; c is 8, 4, 2 or 1 weights of one kind (bools are 0 or 1). */
static void add_constant(double *restrict bin, const void *const *w, char kind, int c,
                         Py_ssize_t i0, Py_ssize_t i1) {
    if (kind == 'd') {
        DISPATCH(ADD_CONSTANT, double)
    } else {
        DISPATCH(ADD_CONSTANT, unsigned char)
    }
}

/* Each of the n_rows listed rows (increasing) into bin key[i]; acc is (bins, stride),
 * offset to the chunk. */
static void add_keyed(double *restrict acc, Py_ssize_t stride, const int64_t *restrict key,
                      const Py_ssize_t *restrict rows, Py_ssize_t n_rows, const void *const *w,
                      char kind, int c) {
    if (kind == 'd') {
        DISPATCH(ADD_KEYED, double)
    } else {
        DISPATCH(ADD_KEYED, unsigned char)
    }
}

/* The next chunk from weight w0: as many of 8, 4, 2, 1 consecutive weights of one kind. */
static int chunk_size(const char *kind, Py_ssize_t w0, Py_ssize_t n_w) {
    int same = 1;
    while (w0 + same < n_w && same < CHUNK && kind[w0 + same] == kind[w0]) {
        same++;
    }
    return same >= 8 ? 8 : same >= 4 ? 4 : same >= 2 ? 2 : 1;
}

static PyObject *group_sums(PyObject *self, PyObject *args) {
    PyObject *out_obj, *keys_obj, *weights_obj;
    if (!PyArg_ParseTuple(args, "OO!O!", &out_obj, &PyTuple_Type, &keys_obj, &PyTuple_Type,
                          &weights_obj)) {
        return NULL;
    }
    Py_ssize_t n_keys = PyTuple_GET_SIZE(keys_obj);
    Py_ssize_t n_w = PyTuple_GET_SIZE(weights_obj);
    if (n_keys < 1 || n_keys > MAX_KEYS || n_w < 1 || n_w > MAX_WEIGHTS) {
        PyErr_Format(PyExc_ValueError, "group_sums: 1..%d keys and 1..%d weights, got %zd and %zd",
                     MAX_KEYS, MAX_WEIGHTS, n_keys, n_w);
        return NULL;
    }
    Buf out = {0};
    if (PyObject_GetBuffer(out_obj, &out.view,
                           PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        return NULL;
    }
    out.held = 1;
    const char *ofmt = out.view.format ? out.view.format : "B";
    if (ofmt[0] == '<' || ofmt[0] == '=' || ofmt[0] == '@') {
        ofmt++;
    }
    if (out.view.ndim != 2 || strcmp(ofmt, "d") != 0 || out.view.shape[1] != n_w) {
        PyErr_Format(PyExc_TypeError,
                     "group_sums: out must be a writable C-contiguous float64 array of shape "
                     "(bins, %zd)",
                     n_w);
        release(&out, 1);
        return NULL;
    }
    Py_ssize_t n_bins = out.view.shape[0];
    double *acc = (double *)out.view.buf;

    /* Keys: an int64 array of bins (negative: the row is not in any bin of this key), or a
     * Python int: every row goes to that bin. The row count comes from the first array. */
    Buf key_bufs[MAX_KEYS] = {{0}};
    Buf w_bufs[MAX_WEIGHTS] = {{0}};
    const int64_t *key_ptr[MAX_KEYS];
    Py_ssize_t key_const[MAX_KEYS];
    Py_ssize_t key_offset[MAX_KEYS];
    const void *w_ptr[MAX_WEIGHTS];
    char w_kind[MAX_WEIGHTS];
    PyObject *result = NULL;

    Py_ssize_t n = -1;
    for (Py_ssize_t w = 0; w < n_w && n < 0; w++) {
        Py_buffer probe;
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(weights_obj, w), &probe, PyBUF_ND) < 0) {
            goto done;
        }
        n = probe.ndim == 1 ? probe.shape[0] : -1;
        PyBuffer_Release(&probe);
    }
    if (n < 0) {
        PyErr_SetString(PyExc_TypeError, "group_sums: weights must be 1-d arrays");
        goto done;
    }
    for (Py_ssize_t g = 0; g < n_keys; g++) {
        PyObject *k = PyTuple_GET_ITEM(keys_obj, g);
        key_ptr[g] = NULL;
        key_const[g] = -1;
        key_offset[g] = 0;
        if (PyTuple_Check(k)) {
            /* (array, offset): bin array[i] + offset for rows with array[i] >= 0. */
            if (PyTuple_GET_SIZE(k) != 2 || !PyLong_Check(PyTuple_GET_ITEM(k, 1))) {
                PyErr_Format(PyExc_TypeError, "group_sums: key %zd: expected (array, offset)", g);
                goto done;
            }
            key_offset[g] = PyLong_AsSsize_t(PyTuple_GET_ITEM(k, 1));
            if (key_offset[g] < 0) {
                if (!PyErr_Occurred()) {
                    PyErr_Format(PyExc_ValueError, "group_sums: key %zd: negative offset", g);
                }
                goto done;
            }
            k = PyTuple_GET_ITEM(k, 0);
        }
        if (PyLong_Check(k)) {
            key_const[g] = PyLong_AsSsize_t(k);
            if (key_const[g] == -1 && PyErr_Occurred()) {
                goto done;
            }
            if (key_const[g] < 0 || key_const[g] >= n_bins) {
                PyErr_Format(PyExc_IndexError, "group_sums: bin %zd of key %zd >= %zd bins",
                             key_const[g], g, n_bins);
                goto done;
            }
            continue;
        }
        if (get_vector(k, &key_bufs[g], n, "lq", 8, "key", g) < 0) {
            goto done;
        }
        key_ptr[g] = (const int64_t *)key_bufs[g].view.buf;
    }
    for (Py_ssize_t w = 0; w < n_w; w++) {
        PyObject *obj = PyTuple_GET_ITEM(weights_obj, w);
        Py_buffer probe;
        if (PyObject_GetBuffer(obj, &probe, PyBUF_FORMAT) < 0) {
            goto done;
        }
        Py_ssize_t size = probe.itemsize;
        PyBuffer_Release(&probe);
        if (size == 8) {
            if (get_vector(obj, &w_bufs[w], n, "d", 8, "weight", w) < 0) {
                goto done;
            }
            w_kind[w] = 'd';
        } else {
            if (get_vector(obj, &w_bufs[w], n, "?bB", 1, "weight", w) < 0) {
                goto done;
            }
            w_kind[w] = '?';
        }
        w_ptr[w] = w_bufs[w].view.buf;
    }
    /* Check every key before adding anything, so an error leaves `out` untouched. */
    for (Py_ssize_t g = 0; g < n_keys; g++) {
        if (key_ptr[g] == NULL) {
            continue;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            if (key_ptr[g][i] >= n_bins - key_offset[g]) {
                PyErr_Format(PyExc_IndexError, "group_sums: key %zd row %zd: bin %lld >= %zd bins",
                             g, i, (long long)(key_ptr[g][i] + key_offset[g]), n_bins);
                goto done;
            }
        }
    }

    Py_BEGIN_ALLOW_THREADS
    /* Rows in blocks that stay in cache; within a block, key by key and weights up to
     * eight at a time. Each (bin, weight) still receives its rows in increasing order (the
     * keys' bins are disjoint), the data is read from memory once, and eight independent
     * accumulations hide the latency of an addition that waits for the previous one. */
    Py_ssize_t rows[BLOCK];
    for (Py_ssize_t i0 = 0; i0 < n; i0 += BLOCK) {
        Py_ssize_t i1 = n - i0 < BLOCK ? n : i0 + BLOCK;
        for (Py_ssize_t g = 0; g < n_keys; g++) {
            Py_ssize_t n_rows = 0;
            if (key_ptr[g] != NULL) {
                /* The block's rows in this key's bins, listed without a branch per row. */
                for (Py_ssize_t i = i0; i < i1; i++) {
                    rows[n_rows] = i;
                    n_rows += key_ptr[g][i] >= 0;
                }
            }
            for (Py_ssize_t w0 = 0, c; w0 < n_w; w0 += c) {
                c = chunk_size(w_kind, w0, n_w);
                if (key_ptr[g] == NULL) {
                    add_constant(acc + key_const[g] * n_w + w0, w_ptr + w0, w_kind[w0], (int)c,
                                 i0, i1);
                } else {
                    add_keyed(acc + key_offset[g] * n_w + w0, n_w, key_ptr[g], rows, n_rows,
                              w_ptr + w0, w_kind[w0], (int)c);
                }
            }
        }
    }
    Py_END_ALLOW_THREADS

    result = Py_NewRef(Py_None);
done:
    release(key_bufs, n_keys);
    release(w_bufs, n_w);
    release(&out, 1);
    return result;
}


/* The arrays of one kernel call, one letter of `spec` per array:
 *   d  float64, n rows          o  float64, n rows, written
 *   b  bool, n rows             i  int64, n rows
 *   c  int8, n rows             t  float64 table of any length (lens[j])
 *   B  bool table of any length  a  float64 table of any length (lens[j]), written
 * n is the length of the first array. On error an exception is set and -1 returned;
 * the buffers taken so far are released by the caller (release). GET_ARRAYS passes the
 * number of arrays of the caller's `o`, so a spec of the wrong length is an error. */
static int get_arrays(PyObject *const *objs, Buf *bufs, Py_ssize_t count, const char *spec,
                      const char *fn, Py_ssize_t *n, Py_ssize_t *lens) {
    *n = -1;
    if ((Py_ssize_t)strlen(spec) != count) {
        PyErr_Format(PyExc_SystemError, "%s: spec '%s' for %zd arrays", fn, spec, count);
        return -1;
    }
    for (Py_ssize_t j = 0; spec[j]; j++) {
        char kind = spec[j];
        Py_ssize_t len = *n;
        if (*n < 0 || kind == 't' || kind == 'a' || kind == 'B') {
            Py_buffer probe;
            if (PyObject_GetBuffer(objs[j], &probe, PyBUF_ND) < 0) {
                return -1;
            }
            len = probe.ndim == 1 ? probe.shape[0] : -1;
            PyBuffer_Release(&probe);
            if (*n < 0) {
                *n = len;
            }
        }
        const char *formats = (kind == 'b' || kind == 'B') ? "?"
                              : kind == 'i'                ? "lq"
                              : kind == 'c'                ? "b"
                                                           : "d";
        Py_ssize_t itemsize = (kind == 'b' || kind == 'B' || kind == 'c') ? 1 : 8;
        if (get_vector(objs[j], &bufs[j], len, formats, itemsize, fn, j) < 0) {
            return -1;
        }
        if ((kind == 'o' || kind == 'a') && bufs[j].view.readonly) {
            PyErr_Format(PyExc_ValueError, "%s %zd must be writable", fn, j);
            return -1;
        }
        lens[j] = len;
    }
    return 0;
}

/* -1 with IndexError unless every index is in [0, bound). */
static int check_index(const int64_t *idx, Py_ssize_t n, Py_ssize_t bound, const char *fn,
                       const char *what) {
    for (Py_ssize_t i = 0; i < n; i++) {
        if ((uint64_t)idx[i] >= (uint64_t)bound) {
            PyErr_Format(PyExc_IndexError, "%s: row %zd: %s %lld out of range [0, %zd)", fn, i,
                         what, (long long)idx[i], bound);
            return -1;
        }
    }
    return 0;
}

#define ARRAY(j, T) ((T *)b[j].view.buf)
#define GET_ARRAYS(spec, fn) \
    get_arrays(o, b, (Py_ssize_t)(sizeof(o) / sizeof(o[0])), spec, fn, &n, lens)

/* taxes(profit, turnover, wage_bill, profit_relief, turnover_relief, profit_rate,
 *       turnover_rate, payroll_rate, paid, cost): F1-F3 per firm in one pass, the same
 * IEEE operations in the same order as sim.economy.fiscal.taxes_and_privilege_cost. */
static PyObject *taxes(PyObject *self, PyObject *args) {
    PyObject *o[7];
    double profit_rate, turnover_rate, payroll_rate;
    if (!PyArg_ParseTuple(args, "OOOOOdddOO", &o[0], &o[1], &o[2], &o[3], &o[4], &profit_rate,
                          &turnover_rate, &payroll_rate, &o[5], &o[6])) {
        return NULL;
    }
    Buf b[7] = {{0}};
    Py_ssize_t n, lens[7];
    PyObject *result = NULL;
    if (GET_ARRAYS("dddddoo", "taxes argument") < 0) {
        goto done;
    }
    const double *profit = ARRAY(0, double), *turnover = ARRAY(1, double),
                 *wage_bill = ARRAY(2, double), *profit_relief = ARRAY(3, double),
                 *turnover_relief = ARRAY(4, double);
    double *paid = ARRAY(5, double), *cost = ARRAY(6, double);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        double base_profit = np_maximum(profit[i], 0.0) * profit_rate;
        double base_turnover = turnover[i] * turnover_rate;
        double p = profit_relief[i], t = turnover_relief[i];
        double paid_i = base_profit * (1.0 - p) + base_turnover * (1.0 - t);
        paid[i] = paid_i + wage_bill[i] * payroll_rate;
        cost[i] = base_profit * p + base_turnover * t;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    release(b, 7);
    return result;
}

/* market_outcomes(p1s, access, cell, exports, labour_share, sector, w, producing,
 *                 fixed_labour, region, turnover, employment, demand)
 * M7 per firm after the market solve, in one pass, as the numpy expressions in
 * SEZClusterModel._produce_and_trade:
 *   turnover   = p1s * access[cell] + exports
 *   employment = producing ? labour_share[sector] * turnover / w + fixed_labour : 0
 *   demand[region] += employment            (row order, as np.bincount) */
static PyObject *market_outcomes(PyObject *self, PyObject *args) {
    PyObject *o[12];
    double fixed;
    if (!PyArg_ParseTuple(args, "OOOOOOOOdOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &o[7], &fixed, &o[8], &o[9], &o[10], &o[11])) {
        return NULL;
    }
    Buf b[12] = {{0}};
    Py_ssize_t n, lens[12];
    PyObject *result = NULL;
    const char *fn = "market_outcomes";
    if (GET_ARRAYS("dtidtidbiooa", "market_outcomes argument") < 0 ||
        check_index(ARRAY(2, int64_t), n, lens[1], fn, "cell") < 0 ||
        check_index(ARRAY(5, int64_t), n, lens[4], fn, "sector") < 0 ||
        check_index(ARRAY(8, int64_t), n, lens[11], fn, "region") < 0) {
        goto done;
    }
    const double *p1s = ARRAY(0, double), *access = ARRAY(1, double),
                 *exports = ARRAY(3, double), *share = ARRAY(4, double), *w = ARRAY(6, double);
    const int64_t *cell = ARRAY(2, int64_t), *sector = ARRAY(5, int64_t),
                  *region = ARRAY(8, int64_t);
    const unsigned char *producing = ARRAY(7, unsigned char);
    double *turnover = ARRAY(9, double), *employment = ARRAY(10, double),
           *demand = ARRAY(11, double);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        double y = p1s[i] * access[cell[i]] + exports[i];
        double e = producing[i] ? share[sector[i]] * y / w[i] + fixed : 0.0;
        turnover[i] = y;
        employment[i] = e;
        demand[region[i]] += e;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    release(b, 12);
    return result;
}

/* firm_accounts(producing, z, employment, w, turnover, capital, sigma, fixed_labour,
 *               depreciation, cell, productivity, wage_bill, profit, emp_cell)
 *   productivity = producing ? z : 0
 *   wage_bill    = employment * w
 *   profit       = producing ? turnover / sigma - w * fixed_labour - depreciation * capital : 0
 *   emp_cell[cell] += employment            (row order, as np.bincount) */
static PyObject *firm_accounts(PyObject *self, PyObject *args) {
    PyObject *o[11];
    double sigma, fixed, dep;
    if (!PyArg_ParseTuple(args, "OOOOOOdddOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5],
                          &sigma, &fixed, &dep, &o[6], &o[7], &o[8], &o[9], &o[10])) {
        return NULL;
    }
    Buf b[11] = {{0}};
    Py_ssize_t n, lens[11];
    PyObject *result = NULL;
    if (GET_ARRAYS("bdddddioooa", "firm_accounts argument") < 0 ||
        check_index(ARRAY(6, int64_t), n, lens[10], "firm_accounts", "cell") < 0) {
        goto done;
    }
    const unsigned char *producing = ARRAY(0, unsigned char);
    const double *z = ARRAY(1, double), *employment = ARRAY(2, double), *w = ARRAY(3, double),
                 *turnover = ARRAY(4, double), *capital = ARRAY(5, double);
    const int64_t *cell = ARRAY(6, int64_t);
    double *productivity = ARRAY(7, double), *wage_bill = ARRAY(8, double),
           *profit = ARRAY(9, double), *emp_cell = ARRAY(10, double);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        double e = employment[i];
        if (producing[i]) {
            productivity[i] = z[i];
            profit[i] = turnover[i] / sigma - w[i] * fixed - dep * capital[i];
        } else {
            productivity[i] = 0.0;
            profit[i] = 0.0;
        }
        wage_bill[i] = e * w[i];
        emp_cell[cell[i]] += e;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    release(b, 11);
    return result;
}

/* invest(producing, project, capital, turnover, planned, years_to_production,
 *        capital_output_ratio, depreciation, adjustment, investment)
 * D2 and SEZ projects' construction, as SEZClusterModel._invest's numpy expressions:
 *   inv   = producing ? maximum(0, dep * K + adj * (kappa * Y - K)) : 0
 *   build = project ? maximum(planned - K, 0) / maximum(years, 1) : 0
 *   K     = (producing ? (1 - dep) * K : K) + inv + build;  investment = inv + build */
static PyObject *invest(PyObject *self, PyObject *args) {
    PyObject *o[7];
    double kappa, dep, adj;
    if (!PyArg_ParseTuple(args, "OOOOOOdddO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &kappa,
                          &dep, &adj, &o[6])) {
        return NULL;
    }
    Buf b[7] = {{0}};
    Py_ssize_t n, lens[7];
    PyObject *result = NULL;
    if (GET_ARRAYS("bboddio", "invest argument") < 0) {
        goto done;
    }
    const unsigned char *producing = ARRAY(0, unsigned char), *project = ARRAY(1, unsigned char);
    double *capital = ARRAY(2, double), *investment = ARRAY(6, double);
    const double *turnover = ARRAY(3, double), *planned = ARRAY(4, double);
    const int64_t *years = ARRAY(5, int64_t);
    const double keep = 1.0 - dep;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        double k = capital[i];
        double inv = 0.0, build = 0.0;
        if (producing[i]) {
            double gap = kappa * turnover[i] - k;
            inv = np_maximum(0.0, dep * k + adj * gap);
        }
        if (project[i]) {
            int64_t y = years[i] > 1 ? years[i] : 1;
            build = np_maximum(planned[i] - k, 0.0) / (double)y;
        }
        capital[i] = (producing[i] ? keep * k : k) + inv + build;
        investment[i] = inv + build;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    release(b, 7);
    return result;
}

/* log_productivity(log_q, knowledge, agglo, cell, log1p_infra, log1p_coord, out):
 * out = log_q + knowledge + agglo[cell] + log1p_infra + log1p_coord, added left to right
 * as numpy does (P1-P4; the log1p terms are computed by numpy). */
static PyObject *log_productivity(PyObject *self, PyObject *args) {
    PyObject *o[7];
    if (!PyArg_ParseTuple(args, "OOOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6])) {
        return NULL;
    }
    Buf b[7] = {{0}};
    Py_ssize_t n, lens[7];
    PyObject *result = NULL;
    if (GET_ARRAYS("ddtiddo", "log_productivity argument") < 0 ||
        check_index(ARRAY(3, int64_t), n, lens[2], "log_productivity", "cell") < 0) {
        goto done;
    }
    const double *q = ARRAY(0, double), *kn = ARRAY(1, double), *agglo = ARRAY(2, double),
                 *l1 = ARRAY(4, double), *l2 = ARRAY(5, double);
    const int64_t *cell = ARRAY(3, int64_t);
    double *out = ARRAY(6, double);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = q[i] + kn[i] + agglo[cell[i]] + l1[i] + l2[i];
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    release(b, 7);
    return result;
}


/* -1 with IndexError unless every index is in [-1, bound) (-1: none). */
static int check_optional_index(const int64_t *idx, Py_ssize_t n, Py_ssize_t bound,
                                const char *fn, const char *what) {
    for (Py_ssize_t i = 0; i < n; i++) {
        if (idx[i] < -1 || idx[i] >= bound) {
            PyErr_Format(PyExc_IndexError, "%s: row %zd: %s %lld out of range [-1, %zd)", fn, i,
                         what, (long long)idx[i], bound);
            return -1;
        }
    }
    return 0;
}

#define N_SCOPE_VALUES 21

/* scope_totals(alive, status, foreign, sez, cluster, region, sector, entry_year,
 *              innovated, left, sez_open, value_added_factor, turnover, investment,
 *              exports, employment, wage_bill, taxes, privilege_cost, capital,
 *              productivity, out, year, producing_code, n_regions, n_clusters)
 * The indicator recorder's sums and counts for every scope in one pass over the firms
 * (sim.kernels.scope_totals_numpy is the same in numpy). out is (scopes x 21), flat:
 * scope rows national, regions, SEZs, clusters; columns value_added, capital (live
 * firms), fdi_inflow, fdi_stock, productivity x employment, turnover, investment,
 * exports, employment, wage_bill, taxes, privilege_cost, then the counts firms,
 * producing, foreign, SEZ registered, SEZ active, cluster members, entrants, exits,
 * innovations. Each scope adds its firms in row order, from what out holds. */
static PyObject *scope_totals(PyObject *self, PyObject *args) {
    PyObject *o[22];
    long long year, producing_code;
    Py_ssize_t n_regions, n_clusters;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOOOOOOOOLLnn", &o[0], &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &o[13],
                          &o[14], &o[15], &o[16], &o[17], &o[18], &o[19], &o[20], &o[21], &year,
                          &producing_code, &n_regions, &n_clusters)) {
        return NULL;
    }
    Buf b[22] = {{0}};
    Py_ssize_t n, lens[22];
    PyObject *result = NULL;
    const char *fn = "scope_totals";
    if (GET_ARRAYS("bcbiiiiibbBtddddddddda", "scope_totals argument") < 0) {
        goto done;
    }
    Py_ssize_t n_sezs = lens[10];
    Py_ssize_t first_sez = 1 + n_regions, first_cl = first_sez + n_sezs;
    if (lens[21] != (first_cl + n_clusters) * N_SCOPE_VALUES) {
        PyErr_Format(PyExc_ValueError, "%s: out must hold %zd scopes x %d values", fn,
                     first_cl + n_clusters, N_SCOPE_VALUES);
        goto done;
    }
    if (check_optional_index(ARRAY(3, int64_t), n, n_sezs, fn, "sez") < 0 ||
        check_optional_index(ARRAY(4, int64_t), n, n_clusters, fn, "cluster") < 0 ||
        check_index(ARRAY(5, int64_t), n, n_regions, fn, "region") < 0 ||
        check_index(ARRAY(6, int64_t), n, lens[11], fn, "sector") < 0) {
        goto done;
    }
    {
        const unsigned char *alive = ARRAY(0, unsigned char), *foreign = ARRAY(2, unsigned char),
                            *innovated = ARRAY(8, unsigned char), *left = ARRAY(9, unsigned char),
                            *sez_open = ARRAY(10, unsigned char);
        const signed char *status = ARRAY(1, signed char);
        const int64_t *sez = ARRAY(3, int64_t), *cl = ARRAY(4, int64_t),
                      *region = ARRAY(5, int64_t), *sector = ARRAY(6, int64_t),
                      *entry_year = ARRAY(7, int64_t);
        const double *va = ARRAY(11, double), *turnover = ARRAY(12, double),
                     *investment = ARRAY(13, double), *exports = ARRAY(14, double),
                     *employment = ARRAY(15, double), *wage_bill = ARRAY(16, double),
                     *taxes_ = ARRAY(17, double), *privilege = ARRAY(18, double),
                     *capital = ARRAY(19, double), *productivity = ARRAY(20, double);
        double *out = ARRAY(21, double);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++) {
            int a = alive[i] != 0, f = foreign[i] != 0;
            int producing = a && status[i] == producing_code;
            int64_t z = sez[i], c = cl[i];
            int open_zone = z >= 0 && sez_open[z];
            double v[N_SCOPE_VALUES] = {
                turnover[i] * va[sector[i]],
                a ? capital[i] : 0.0,
                investment[i] * (double)f,
                (a && f) ? capital[i] : 0.0,
                productivity[i] * employment[i],
                turnover[i],
                investment[i],
                exports[i],
                employment[i],
                wage_bill[i],
                taxes_[i],
                privilege[i],
                (double)a,
                (double)producing,
                (double)(a && f),
                (double)(a && open_zone),
                (double)(producing && open_zone),
                (double)(producing && c >= 0),
                (double)(a && entry_year[i] == year),
                (double)(left[i] != 0),
                (double)(innovated[i] != 0),
            };
            double *rows[4] = {
                out,
                out + (1 + region[i]) * N_SCOPE_VALUES,
                z >= 0 ? out + (first_sez + z) * N_SCOPE_VALUES : NULL,
                c >= 0 ? out + (first_cl + c) * N_SCOPE_VALUES : NULL,
            };
            for (int g = 0; g < 4; g++) {
                double *r = rows[g];
                if (r == NULL) {
                    continue;
                }
                for (int j = 0; j < N_SCOPE_VALUES; j++) {
                    r[j] += v[j];
                }
            }
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    release(b, 22);
    return result;
}

static PyMethodDef methods[] = {
    {"group_sums", group_sums, METH_VARARGS,
     "group_sums(out, keys, weights): add each row's weights into its keys' bins, in row "
     "order.\n\nout: float64 (bins, len(weights)), accumulated in place. keys: tuple of int64 "
     "arrays (negative: skip), (array, offset) pairs (bin array[i] + offset), or ints (every "
     "row to that bin). weights: tuple of float64 or "
     "bool arrays, one value per row."},
    {"taxes", taxes, METH_VARARGS,
     "taxes(profit, turnover, wage_bill, profit_relief, turnover_relief, profit_rate, "
     "turnover_rate, payroll_rate, paid, cost): taxes paid and privilege cost per firm, "
     "written into paid and cost (float64, one pass)."},
    {"market_outcomes", market_outcomes, METH_VARARGS,
     "Turnover, employment and labour demand per region after the market solve (M7)."},
    {"firm_accounts", firm_accounts, METH_VARARGS,
     "Productivity, wage bill, profit and employment per (sector, region) cell."},
    {"invest", invest, METH_VARARGS,
     "Gross investment of producers and projects; capital updated in place (D2)."},
    {"log_productivity", log_productivity, METH_VARARGS,
     "Per-firm log productivity: the sum of its terms, left to right (P1-P4)."},
    {"scope_totals", scope_totals, METH_VARARGS,
     "The indicator recorder's sums and counts for every scope, one pass over the firms."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "sim._kernels",
    "Compiled row-order accumulation (see sim/kernels.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
