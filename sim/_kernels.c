/*
 * sim._kernels: compiled passes over the firm table for the loops numpy cannot fuse.
 *
 * Each function does in one pass what a handful of numpy operations do, with the same
 * IEEE operations in the same order, so the same bits (sim/kernels.py holds the numpy
 * twins the tests compare them with; docs/performance.md gives the rules). Sums run in
 * row order from what the output holds, as np.bincount does.
 *
 * Compiled with -ffp-contract=off (setup.py): a fused multiply-add would change bits.
 * Uses only the buffer protocol, so it needs no numpy headers to build.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/* The arrays of one kernel call, one letter of `spec` per array:
 *   d  float64, n rows          o  float64, n rows, written
 *   b  bool, n rows             i  int64, n rows
 *   c  int8, n rows             t  float64 table of any length (lens[j])
 *   B  bool table of any length  a  float64 table of any length (lens[j]), written
 *   I  int64 table of any length         O  bool, n rows, written
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
        if (*n < 0 || kind == 't' || kind == 'a' || kind == 'B' || kind == 'I') {
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
        const char *formats = (kind == 'b' || kind == 'B' || kind == 'O') ? "?"
                              : (kind == 'i' || kind == 'I') ? "lq"
                              : kind == 'c'                ? "b"
                                                           : "d";
        Py_ssize_t itemsize = (kind == 'b' || kind == 'B' || kind == 'c' || kind == 'O') ? 1 : 8;
        if (get_vector(objs[j], &bufs[j], len, formats, itemsize, fn, j) < 0) {
            return -1;
        }
        if ((kind == 'o' || kind == 'a' || kind == 'O') && bufs[j].view.readonly) {
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

/* trade_flows(p1s, foreign, exporter, phi_w, cell, sector, region, scale, sigma, supply,
 *             supply_dom, exports, income): supply by cell, domestic supply by cell,
 *             exports per firm = p1s * phi_w * exporter * scale[sector], and the income
 *             foreign demand pays to domestic firms by region (exports / sigma), in one pass
 *             (M3, M6). Sums in row order from what supply, supply_dom and income hold. */
static PyObject *trade_flows(PyObject *self, PyObject *args) {
    PyObject *o[12];
    double sigma;
    if (!PyArg_ParseTuple(args, "OOOOOOOOdOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &o[7], &sigma, &o[8], &o[9], &o[10], &o[11])) {
        return NULL;
    }
    Buf b[12] = {{0}};
    Py_ssize_t n, lens[12];
    PyObject *result = NULL;
    const char *fn = "trade_flows";
    if (GET_ARRAYS("dbbdiiitaaoa", "trade_flows argument") < 0) {
        goto done;
    }
    if (lens[9] != lens[8]) {
        PyErr_Format(PyExc_ValueError, "%s: supply has %zd cells, supply_dom %zd", fn, lens[8],
                     lens[9]);
        goto done;
    }
    if (check_index(ARRAY(4, int64_t), n, lens[8], fn, "cell") < 0 ||
        check_index(ARRAY(5, int64_t), n, lens[7], fn, "sector") < 0 ||
        check_index(ARRAY(6, int64_t), n, lens[11], fn, "region") < 0) {
        goto done;
    }
    const double *p1s = ARRAY(0, double), *phi_w = ARRAY(3, double), *scale = ARRAY(7, double);
    const unsigned char *foreign = ARRAY(1, unsigned char), *exporter = ARRAY(2, unsigned char);
    const int64_t *cell = ARRAY(4, int64_t), *sector = ARRAY(5, int64_t),
                  *region = ARRAY(6, int64_t);
    double *supply = ARRAY(8, double), *supply_dom = ARRAY(9, double),
           *exports = ARRAY(10, double), *income = ARRAY(11, double);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        double p = p1s[i];
        double domestic = foreign[i] ? 0.0 : 1.0; /* numpy's float(~foreign) */
        supply[cell[i]] += p;
        supply_dom[cell[i]] += p * domestic;
        double x = p * phi_w[i] * (exporter[i] ? 1.0 : 0.0) * scale[sector[i]];
        exports[i] = x;
        income[region[i]] += x / sigma * domestic;
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
        /* The national row gets every firm: it is summed in a local copy (the same adds
         * in the same order), the other scopes in place. */
        double nat[N_SCOPE_VALUES];
        memcpy(nat, out, sizeof nat);
#if defined(__SSE2__)
        __m128d nat_v[10];
        for (int j = 0; j < 10; j++) {
            nat_v[j] = _mm_loadu_pd(nat + 2 * j);
        }
        double nat20 = nat[20];
#endif
        for (Py_ssize_t i = 0; i < n; i++) {
            int a = alive[i] != 0, f = foreign[i] != 0;
            int producing = a && status[i] == producing_code;
            int64_t z = sez[i], c = cl[i];
            int open_zone = z >= 0 && sez_open[z];
#if defined(__SSE2__)
            /* The values in pairs held in registers (an array built by scalar stores and
             * read as pairs stalls on store forwarding), each pair added to each scope row
             * with one two-lane add: the same IEEE additions, in the same order. */
            const __m128d vv[10] = {
                _mm_set_pd(a ? capital[i] : 0.0, turnover[i] * va[sector[i]]),
                _mm_set_pd((a && f) ? capital[i] : 0.0, investment[i] * (double)f),
                _mm_set_pd(turnover[i], productivity[i] * employment[i]),
                _mm_set_pd(exports[i], investment[i]),
                _mm_set_pd(wage_bill[i], employment[i]),
                _mm_set_pd(privilege[i], taxes_[i]),
                _mm_set_pd((double)producing, (double)a),
                _mm_set_pd((double)(a && open_zone), (double)(a && f)),
                _mm_set_pd((double)(producing && c >= 0), (double)(producing && open_zone)),
                _mm_set_pd((double)(left[i] != 0), (double)(a && entry_year[i] == year)),
            };
            const double v20 = (double)(innovated[i] != 0);
#define ADD_VALUES(r)                                                                       \
    do {                                                                                    \
        double *r_ = (r);                                                                   \
        for (int j = 0; j < 10; j++) {                                                      \
            _mm_storeu_pd(r_ + 2 * j, _mm_add_pd(_mm_loadu_pd(r_ + 2 * j), vv[j]));         \
        }                                                                                   \
        r_[20] += v20;                                                                      \
    } while (0)
#else
            const double v[N_SCOPE_VALUES] = {
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
#define ADD_VALUES(r)                                                                       \
    do {                                                                                    \
        double *r_ = (r);                                                                   \
        for (int j = 0; j < N_SCOPE_VALUES; j++) {                                          \
            r_[j] += v[j];                                                                  \
        }                                                                                   \
    } while (0)
#endif
#if defined(__SSE2__)
            for (int j = 0; j < 10; j++) {
                nat_v[j] = _mm_add_pd(nat_v[j], vv[j]);
            }
            nat20 += v20;
#else
            ADD_VALUES(nat);
#endif
            ADD_VALUES(out + (1 + region[i]) * N_SCOPE_VALUES);
            if (z >= 0) {
                ADD_VALUES(out + (first_sez + z) * N_SCOPE_VALUES);
            }
            if (c >= 0) {
                ADD_VALUES(out + (first_cl + c) * N_SCOPE_VALUES);
            }
#undef ADD_VALUES
        }
#if defined(__SSE2__)
        for (int j = 0; j < 10; j++) {
            _mm_storeu_pd(nat + 2 * j, nat_v[j]);
        }
        nat[20] = nat20;
#endif
        memcpy(out, nat, sizeof nat);
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    release(b, 22);
    return result;
}

/* privileges(sez, sector, cluster, region, sez_open, zone_priority, zone_level, zone_phi,
 *            zone_l1, cluster_level, cluster_phi, cluster_l1, cluster_region, cluster_l2,
 *            cluster_links, level, profit_relief, turnover_relief, phi_w, l1, links, l2,
 *            n_sectors, phi_none, profit_rate, turnover_rate, channels, colocate):
 * each firm's privileges (F1, M6, P3) and cluster channels (P4, P5), read from tables.
 * A firm in an open zone z gets column q of zone z (q = 1 if its sector is a priority of
 * z, zone_priority[z * n_sectors + sector]), tables of 2 x zones; else a cluster member
 * whose cluster_level is not NaN gets its cluster's; else level 0, phi_none, l1 0.
 * Reliefs are level * rate. With channels, a member gets column j of its cluster in
 * cluster_l2 and cluster_links (2 x clusters; j = 1 if colocate and it sits in
 * cluster_region); the others links 1 and l2 0. */
static PyObject *privileges(PyObject *self, PyObject *args) {
    PyObject *o[22];
    Py_ssize_t n_sectors;
    double phi_none, profit_rate, turnover_rate;
    int channels, colocate;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOOOOOOOOndddpp", &o[0], &o[1], &o[2], &o[3],
                          &o[4], &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12],
                          &o[13], &o[14], &o[15], &o[16], &o[17], &o[18], &o[19], &o[20], &o[21],
                          &n_sectors, &phi_none, &profit_rate, &turnover_rate, &channels,
                          &colocate)) {
        return NULL;
    }
    Buf b[22] = {{0}};
    Py_ssize_t n, lens[22];
    PyObject *result = NULL;
    const char *fn = "privileges";
    if (GET_ARRAYS("iiiiBBttttttIttooooooo", "privileges argument") < 0) {
        goto done;
    }
    Py_ssize_t n_z = lens[4], n_c = lens[9];
    if (lens[5] != n_z * n_sectors || lens[6] != 2 * n_z || lens[7] != 2 * n_z ||
        lens[8] != 2 * n_z || lens[10] != n_c || lens[11] != n_c || lens[12] != n_c ||
        lens[13] != 2 * n_c || lens[14] != 2 * n_c) {
        PyErr_Format(PyExc_ValueError,
                     "%s: tables must be zones x sectors, 2 x zones, clusters, 2 x clusters "
                     "(%zd zones, %zd clusters, %zd sectors)",
                     fn, n_z, n_c, n_sectors);
        goto done;
    }
    if (check_optional_index(ARRAY(0, int64_t), n, n_z, fn, "sez") < 0 ||
        check_index(ARRAY(1, int64_t), n, n_sectors, fn, "sector") < 0 ||
        check_optional_index(ARRAY(2, int64_t), n, n_c, fn, "cluster") < 0) {
        goto done;
    }
    {
        const int64_t *sez = ARRAY(0, int64_t), *sector = ARRAY(1, int64_t),
                      *cl = ARRAY(2, int64_t), *region = ARRAY(3, int64_t),
                      *cluster_region = ARRAY(12, int64_t);
        const unsigned char *open_ = ARRAY(4, unsigned char), *priority = ARRAY(5, unsigned char);
        const double *zone_level = ARRAY(6, double), *zone_phi = ARRAY(7, double),
                     *zone_l1 = ARRAY(8, double), *cluster_level = ARRAY(9, double),
                     *cluster_phi = ARRAY(10, double), *cluster_l1 = ARRAY(11, double),
                     *cluster_l2 = ARRAY(13, double), *cluster_links = ARRAY(14, double);
        double *level = ARRAY(15, double), *profit_relief = ARRAY(16, double),
               *turnover_relief = ARRAY(17, double), *phi_w = ARRAY(18, double),
               *l1 = ARRAY(19, double), *links = ARRAY(20, double), *l2 = ARRAY(21, double);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++) {
            int64_t z = sez[i], c = cl[i];
            double lev = 0.0, phi = phi_none, l1v = 0.0;
            if (z >= 0 && open_[z]) {
                int64_t q = 2 * z + (priority[z * n_sectors + sector[i]] != 0);
                lev = zone_level[q];
                phi = zone_phi[q];
                l1v = zone_l1[q];
            } else if (c >= 0 && cluster_level[c] == cluster_level[c]) {
                lev = cluster_level[c];
                phi = cluster_phi[c];
                l1v = cluster_l1[c];
            }
            level[i] = lev;
            profit_relief[i] = lev * profit_rate;
            turnover_relief[i] = lev * turnover_rate;
            phi_w[i] = phi;
            l1[i] = l1v;
            double lk = 1.0, l2v = 0.0;
            if (channels && c >= 0) {
                int64_t j = 2 * c + (colocate && region[i] == cluster_region[c]);
                lk = cluster_links[j];
                l2v = cluster_l2[j];
            }
            links[i] = lk;
            l2[i] = l2v;
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    release(b, 22);
    return result;
}

/* The rows i < n with mask[i] grouped by keys[i] in [0, n_g), each group in row order (a
 * counting sort; keys checked by the caller): group g's rows go to
 * order[bounds[g]:bounds[g + 1]], bounds having n_g + 1 values; order must hold n rows.
 * Branch-free: rows outside the mask go to a last group n_g (ignored) at the end of
 * order, so a random mask costs no mispredicted branch. Returns the count grouped, or
 * -1 if out of memory (no exception set: the caller raises). */
static int64_t counting_sort(const int64_t *keys, const unsigned char *mask, Py_ssize_t n,
                             Py_ssize_t n_g, int64_t *order, int64_t *bounds) {
    int64_t *cursor = PyMem_RawCalloc((size_t)n_g + 2, sizeof(int64_t));
    if (cursor == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t take = -(int64_t)(mask[i] != 0); /* all ones or zero: a select, no branch */
        cursor[((keys[i] & take) | ((int64_t)n_g & ~take)) + 1]++;
    }
    for (Py_ssize_t g = 0; g <= n_g; g++) {
        cursor[g + 1] += cursor[g];
    }
    memcpy(bounds, cursor, (size_t)(n_g + 1) * sizeof(int64_t));
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t take = -(int64_t)(mask[i] != 0);
        order[cursor[(keys[i] & take) | ((int64_t)n_g & ~take)]++] = (int64_t)i;
    }
    PyMem_RawFree(cursor);
    return bounds[n_g];
}

/* entry_census(sector, alive, status, sez, exports, producing_code, order, bounds,
 *              exports_k, registered): what entry needs of the table, in one pass (D3).
 * bounds (n_sectors + 1) and order (at least the producers) get the rows of producing
 * firms grouped by sector, each group in row order (a counting sort): sector k's are
 * order[bounds[k]:bounds[k + 1]]. exports_k adds exports by sector over every row and
 * registered counts live rows by SEZ (sez -1: none), in row order from what they hold,
 * as np.bincount does. Returns the number of producers. */
static PyObject *entry_census(PyObject *self, PyObject *args) {
    PyObject *o[9];
    long long producing_code;
    if (!PyArg_ParseTuple(args, "OOOOOLOOOO", &o[0], &o[1], &o[2], &o[3], &o[4],
                          &producing_code, &o[5], &o[6], &o[7], &o[8])) {
        return NULL;
    }
    Buf b[9] = {{0}};
    Py_ssize_t n, lens[9];
    PyObject *result = NULL;
    const char *fn = "entry_census";
    if (GET_ARRAYS("ibcidIIaa", "entry_census argument") < 0) {
        goto done;
    }
    Py_ssize_t n_k = lens[7], n_z = lens[8];
    if (lens[6] != n_k + 1 || lens[5] < n) {
        PyErr_Format(PyExc_ValueError, "%s: bounds must hold %zd + 1 values, order %zd rows",
                     fn, n_k, n);
        goto done;
    }
    if (b[5].view.readonly || b[6].view.readonly) {
        PyErr_Format(PyExc_ValueError, "%s: order and bounds must be writable", fn);
        goto done;
    }
    if (check_index(ARRAY(0, int64_t), n, n_k, fn, "sector") < 0 ||
        check_optional_index(ARRAY(3, int64_t), n, n_z, fn, "sez") < 0) {
        goto done;
    }
    Py_ssize_t n_producing = 0;
    unsigned char *producing = PyMem_Malloc(n > 0 ? (size_t)n : 1);
    /* live firms by SEZ, shifted by one (slot 0 takes the rows outside every SEZ), as
     * integers: a sum of ones and zeros is exact, so converting the count at the end gives
     * the bits bincount's float sum gives, without a float add chained to the last */
    int64_t *by_zone = PyMem_Calloc((size_t)n_z + 1, sizeof(int64_t));
    if (producing == NULL || by_zone == NULL) {
        PyMem_Free(producing);
        PyMem_Free(by_zone);
        PyErr_NoMemory();
        goto done;
    }

    {
        const int64_t *sector = ARRAY(0, int64_t), *sez = ARRAY(3, int64_t);
        const unsigned char *alive = ARRAY(1, unsigned char);
        const signed char *status = ARRAY(2, signed char);
        const double *exports = ARRAY(4, double);
        int64_t *order = ARRAY(5, int64_t), *bounds = ARRAY(6, int64_t);
        double *exports_k = ARRAY(7, double), *registered = ARRAY(8, double);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++) {
            exports_k[sector[i]] += exports[i];
            by_zone[sez[i] + 1] += alive[i] != 0;
            producing[i] = (alive[i] != 0) & (status[i] == producing_code);
        }
        for (Py_ssize_t z = 0; z < n_z; z++) {
            registered[z] += (double)by_zone[z + 1];
        }
        n_producing = (Py_ssize_t)counting_sort(sector, producing, n, n_k, order, bounds);
        Py_END_ALLOW_THREADS
    }
    PyMem_Free(producing);
    PyMem_Free(by_zone);
    if (n_producing < 0) {
        PyErr_NoMemory();
        goto done;
    }
    result = PyLong_FromSsize_t(n_producing);
done:
    release(b, 9);
    return result;
}

/* group_rows(keys, mask, order, bounds) -> count: the rows i with mask[i] grouped by
 * keys[i] in [0, groups) (bounds has groups + 1 values), each group in row order (a
 * counting sort): group g's rows are order[bounds[g]:bounds[g + 1]]. Rows outside the
 * mask may hold any key. Returns the number of rows grouped. */
static PyObject *group_rows(PyObject *self, PyObject *args) {
    PyObject *o[4];
    if (!PyArg_ParseTuple(args, "OOOO", &o[0], &o[1], &o[2], &o[3])) {
        return NULL;
    }
    Buf b[4] = {{0}};
    Py_ssize_t n, lens[4];
    PyObject *result = NULL;
    const char *fn = "group_rows";
    if (GET_ARRAYS("ibII", "group_rows argument") < 0) {
        goto done;
    }
    Py_ssize_t n_g = lens[3] - 1;
    if (n_g < 0 || lens[2] < n || b[2].view.readonly || b[3].view.readonly) {
        PyErr_Format(PyExc_ValueError,
                     "%s: order (%zd rows) and bounds (groups + 1) must be writable, order "
                     "at least %zd long",
                     fn, lens[2], n);
        goto done;
    }
    const int64_t *keys = ARRAY(0, int64_t);
    const unsigned char *mask = ARRAY(1, unsigned char);
    int bad = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        bad |= mask[i] & ((uint64_t)keys[i] >= (uint64_t)n_g);
    }
    for (Py_ssize_t i = 0; bad && i < n; i++) {
        if (mask[i] && (uint64_t)keys[i] >= (uint64_t)n_g) {
            PyErr_Format(PyExc_IndexError, "%s: row %zd: key %lld out of range [0, %zd)", fn,
                         i, (long long)keys[i], n_g);
            goto done;
        }
    }
    int64_t *order = ARRAY(2, int64_t), *bounds = ARRAY(3, int64_t);
    int64_t count;
    Py_BEGIN_ALLOW_THREADS
    count = counting_sort(keys, mask, n, n_g, order, bounds);
    Py_END_ALLOW_THREADS
    if (count < 0) {
        PyErr_NoMemory();
        goto done;
    }
    result = PyLong_FromLongLong((long long)count);
done:
    release(b, 4);
    return result;
}

/* innovation_hazard(access, cell, links, base, strength, hazard): the innovation hazard
 * of each firm, base * (1 + strength * access[cell] * links) (D1, P5), access being the
 * flat (sector, region) table of institute access. */
static PyObject *innovation_hazard(PyObject *self, PyObject *args) {
    PyObject *o[4];
    double base, strength;
    if (!PyArg_ParseTuple(args, "OOOddO", &o[0], &o[1], &o[2], &base, &strength, &o[3])) {
        return NULL;
    }
    /* the firm columns first, so n is the number of firms */
    PyObject *ordered[4] = {o[1], o[2], o[3], o[0]};
    Buf b[4] = {{0}};
    Py_ssize_t n, lens[4];
    PyObject *result = NULL;
    const char *fn = "innovation_hazard";
    if (get_arrays(ordered, b, 4, "idot", fn, &n, lens) < 0 ||
        check_index(ARRAY(0, int64_t), n, lens[3], fn, "cell") < 0) {
        goto done;
    }
    {
        const int64_t *cell = ARRAY(0, int64_t);
        const double *links = ARRAY(1, double), *access = ARRAY(3, double);
        double *hazard = ARRAY(2, double);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++) {
            hazard[i] = base * (1.0 + strength * (access[cell[i]] * links[i]));
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    release(b, 4);
    return result;
}

/* absorb_knowledge(drawn, producing, gap, step, absorption, knowledge, innovated): a
 * producer innovates where drawn; knowledge += step * innovated + absorption * gap
 * (D1, P5), in place; innovated written. */
static PyObject *absorb_knowledge(PyObject *self, PyObject *args) {
    PyObject *o[5];
    double step, absorption;
    if (!PyArg_ParseTuple(args, "OOOddOO", &o[0], &o[1], &o[2], &step, &absorption, &o[3],
                          &o[4])) {
        return NULL;
    }
    Buf b[5] = {{0}};
    Py_ssize_t n, lens[5];
    PyObject *result = NULL;
    if (GET_ARRAYS("bbdoO", "absorb_knowledge argument") < 0) {
        goto done;
    }
    {
        const unsigned char *drawn = ARRAY(0, unsigned char),
                            *producing = ARRAY(1, unsigned char);
        const double *gap = ARRAY(2, double);
        double *knowledge = ARRAY(3, double);
        unsigned char *innovated = ARRAY(4, unsigned char);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++) {
            unsigned char inn = (drawn[i] != 0) & (producing[i] != 0);
            innovated[i] = inn;
            knowledge[i] = knowledge[i] + (step * (inn ? 1.0 : 0.0) + absorption * gap[i]);
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    release(b, 5);
    return result;
}

/* exits(alive, status, profit, u_exit, u_abandon, base, loss_extra, abandon,
 *       producing_code, project_code, rows) -> count: the rows that leave this year (D5),
 * in increasing order, written to rows: producers with u_exit < base + loss_extra *
 * (profit < 0), and projects with u_abandon < abandon. */
static PyObject *exits(PyObject *self, PyObject *args) {
    PyObject *o[6];
    double base, loss_extra, abandon;
    long long producing_code, project_code;
    if (!PyArg_ParseTuple(args, "OOOOOdddLLO", &o[0], &o[1], &o[2], &o[3], &o[4], &base,
                          &loss_extra, &abandon, &producing_code, &project_code, &o[5])) {
        return NULL;
    }
    Buf b[6] = {{0}};
    Py_ssize_t n, lens[6];
    PyObject *result = NULL;
    if (GET_ARRAYS("bcdddI", "exits argument") < 0) {
        goto done;
    }
    if (lens[5] < n || b[5].view.readonly) {
        PyErr_Format(PyExc_ValueError, "exits: rows must be writable and hold %zd rows", n);
        goto done;
    }
    Py_ssize_t count = 0;
    {
        const unsigned char *alive = ARRAY(0, unsigned char);
        const signed char *status = ARRAY(1, signed char);
        const double *profit = ARRAY(2, double), *u_exit = ARRAY(3, double),
                     *u_abandon = ARRAY(4, double);
        int64_t *rows = ARRAY(5, int64_t);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++) {
            double p = base + loss_extra * (profit[i] < 0 ? 1.0 : 0.0);
            int leave = (alive[i] != 0) & (((status[i] == producing_code) & (u_exit[i] < p)) |
                                           ((status[i] == project_code) & (u_abandon[i] < abandon)));
            rows[count] = (int64_t)i; /* written always, kept when it leaves: no branch */
            count += leave;
        }
        Py_END_ALLOW_THREADS
    }
    result = PyLong_FromSsize_t(count);
done:
    release(b, 6);
    return result;
}

/* ------------------------------------------------------------------ agent registries
 * Firms enter and leave by the thousand every year; each is a Mesa agent. These two do
 * in one C loop what sim/agents/firm.py does in Python (its fallback): the same objects,
 * the same attributes, the same registry entries in the same order. */

/* new_agents(cls, model, ids, registry, own) -> list: one agent of cls per id (int64
 * array), made as object.__new__(cls) with .model and .unique_id set, each added (value
 * None) to the dict registry, then each to the dict own, in the order of ids. */
static PyObject *new_agents(PyObject *self, PyObject *args) {
    PyObject *cls, *model, *ids_obj, *registry, *own;
    if (!PyArg_ParseTuple(args, "O!OOO!O!:new_agents", &PyType_Type, &cls, &model, &ids_obj,
                          &PyDict_Type, &registry, &PyDict_Type, &own)) {
        return NULL;
    }
    Buf b[1] = {{0}};
    PyObject *o[1] = {ids_obj};
    Py_ssize_t n, lens[1];
    PyObject *empty = NULL, *s_model = NULL, *s_id = NULL, *out = NULL;
    if (GET_ARRAYS("i", "new_agents") < 0) {
        goto fail;
    }
    const int64_t *ids = ARRAY(0, int64_t);
    empty = PyTuple_New(0);
    s_model = PyUnicode_InternFromString("model");
    s_id = PyUnicode_InternFromString("unique_id");
    out = PyList_New(n);
    if (!empty || !s_model || !s_id || !out) {
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *agent = PyBaseObject_Type.tp_new((PyTypeObject *)cls, empty, NULL);
        if (!agent) {
            goto fail;
        }
        PyList_SET_ITEM(out, i, agent); /* out owns it from here */
        PyObject *uid = PyLong_FromLongLong((long long)ids[i]);
        if (!uid || PyObject_SetAttr(agent, s_model, model) < 0 ||
            PyObject_SetAttr(agent, s_id, uid) < 0) {
            Py_XDECREF(uid);
            goto fail;
        }
        Py_DECREF(uid);
    }
    /* the registries are filled after every agent exists, as dict.update does */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyDict_SetItem(registry, PyList_GET_ITEM(out, i), Py_None) < 0) {
            goto fail;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyDict_SetItem(own, PyList_GET_ITEM(out, i), Py_None) < 0) {
            goto fail;
        }
    }
    release(b, 1);
    Py_DECREF(empty);
    Py_DECREF(s_model);
    Py_DECREF(s_id);
    return out;
fail:
    release(b, 1);
    Py_XDECREF(empty);
    Py_XDECREF(s_model);
    Py_XDECREF(s_id);
    Py_XDECREF(out); /* list slots not yet set are NULL, which list dealloc skips */
    return NULL;
}

/* drop_agents(agents, slots, own, registry) -> int: for each slot (int64 array) whose
 * entry of the list agents is not None, set it to None and delete the agent from the
 * dicts own and registry (an agent missing from one is skipped). Returns how many
 * agents were dropped. */
static PyObject *drop_agents(PyObject *self, PyObject *args) {
    PyObject *list, *slots_obj, *own, *registry;
    if (!PyArg_ParseTuple(args, "O!OO!O!:drop_agents", &PyList_Type, &list, &slots_obj,
                          &PyDict_Type, &own, &PyDict_Type, &registry)) {
        return NULL;
    }
    Buf b[1] = {{0}};
    PyObject *o[1] = {slots_obj};
    Py_ssize_t n, lens[1];
    PyObject *result = NULL;
    if (GET_ARRAYS("i", "drop_agents") < 0 ||
        check_index(ARRAY(0, int64_t), n, PyList_GET_SIZE(list), "drop_agents", "slot") < 0) {
        goto done;
    }
    const int64_t *slots = ARRAY(0, int64_t);
    Py_ssize_t dropped = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *agent = PyList_GET_ITEM(list, slots[i]);
        if (agent == Py_None) {
            continue;
        }
        /* the list's reference passes to us; the dicts' go with their entries */
        PyList_SET_ITEM(list, slots[i], Py_NewRef(Py_None));
        int err = 0;
        PyObject *dicts[2] = {own, registry};
        for (int d = 0; d < 2 && !err; d++) {
            if (PyDict_DelItem(dicts[d], agent) < 0) {
                if (PyErr_ExceptionMatches(PyExc_KeyError)) {
                    PyErr_Clear();
                } else {
                    err = 1;
                }
            }
        }
        Py_DECREF(agent);
        if (err) {
            goto done;
        }
        dropped++;
    }
    result = PyLong_FromSsize_t(dropped);
done:
    release(b, 1);
    return result;
}

static PyMethodDef methods[] = {
    {"taxes", taxes, METH_VARARGS,
     "taxes(profit, turnover, wage_bill, profit_relief, turnover_relief, profit_rate, "
     "turnover_rate, payroll_rate, paid, cost): taxes paid and privilege cost per firm, "
     "written into paid and cost (float64, one pass)."},
    {"market_outcomes", market_outcomes, METH_VARARGS,
     "Turnover, employment and labour demand per region after the market solve (M7)."},
    {"trade_flows", trade_flows, METH_VARARGS,
     "Supply and domestic supply by cell, exports per firm, export income by region (M3, M6)."},
    {"firm_accounts", firm_accounts, METH_VARARGS,
     "Productivity, wage bill, profit and employment per (sector, region) cell."},
    {"invest", invest, METH_VARARGS,
     "Gross investment of producers and projects; capital updated in place (D2)."},
    {"log_productivity", log_productivity, METH_VARARGS,
     "Per-firm log productivity: the sum of its terms, left to right (P1-P4)."},
    {"privileges", privileges, METH_VARARGS,
     "Each firm's privilege level, reliefs, world freeness and channel weights from tables."},
    {"entry_census", entry_census, METH_VARARGS,
     "Producers grouped by sector, exports by sector and live firms by SEZ (D3)."},
    {"group_rows", group_rows, METH_VARARGS,
     "The rows of a mask grouped by key, each group in row order (a counting sort)."},
    {"innovation_hazard", innovation_hazard, METH_VARARGS,
     "Innovation hazard per firm from institute access and links (D1, P5)."},
    {"absorb_knowledge", absorb_knowledge, METH_VARARGS,
     "Producers' innovations and knowledge gained from them and from partners (D1, P5)."},
    {"exits", exits, METH_VARARGS,
     "The rows of producers that exit and projects abandoned this year (D5)."},
    {"scope_totals", scope_totals, METH_VARARGS,
     "The indicator recorder's sums and counts for every scope, one pass over the firms."},
    {"new_agents", new_agents, METH_VARARGS,
     "new_agents(cls, model, ids, registry, own): create and register one agent per "
     "id (object.__new__, .model, .unique_id); returns them."},
    {"drop_agents", drop_agents, METH_VARARGS,
     "drop_agents(agents, slots, own, registry): set agents[slot] to None and delete "
     "each such agent from both dicts; returns how many were dropped."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "sim._kernels",
    "Compiled passes over the firm table (see sim/kernels.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
