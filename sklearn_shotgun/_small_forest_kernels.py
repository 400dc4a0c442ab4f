"""numba kernels of :class:`~sklearn_shotgun._small_forest.SmallForestRegressor`.

A module of its own so that numba is imported, and the kernels compiled (or loaded from
numba's on-disk cache), only when a forest is first fitted.

How a node finds its best split without sorting: every feature's values are ranked once
per forest. A node keeps only the list of its rows; for a feature, setting bit ``rank`` of
a bit set for each of the node's rows and reading the set bits back in order (count
trailing zeros) visits the node's rows in that feature's order, in two passes over the
node's rows. Nothing is re-sorted and no per-feature list is partitioned when a node
splits: only the node's row list is.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def _cttz(typingctx, x):
    """Count trailing zeros of a non-zero uint64 (one instruction)."""

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))

    return types.uint64(types.uint64), codegen


@njit(cache=True, nogil=True, inline="always")
def _draw(state, bound):
    """splitmix64: the next state, and a number in [0, bound) (Lemire's multiply-shift,
    not a 64-bit division: a node draws one number per feature)."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return state, np.int64(((z >> np.uint64(32)) * np.uint64(bound)) >> np.uint64(32))


@njit(cache=True, nogil=True)
def build_trees(
    Xt, y, seeds, n_boot, bootstrap, max_features, min_leaf, min_split, max_depth, n_classes
):
    """Grow one tree per seed on ``Xt`` (features x rows, float32); the trees as node
    arrays of shape (n_trees, 2 n - 1), leaf values of shape (n_trees, 2 n - 1, outputs)
    and each tree's node count.

    ``n_classes=0``: regression (squared error) on ``y``; else ``y`` holds class codes
    0..n_classes-1 and the trees split on the Gini impurity, their leaves holding class
    frequencies."""
    p, n = Xt.shape
    n_trees = seeds.shape[0]
    cap = max(2 * n - 1, 1)
    words = (n + 63) // 64
    feature = np.full((n_trees, cap), -1, np.int32)
    threshold = np.zeros((n_trees, cap), np.float64)
    left = np.full((n_trees, cap), -1, np.int32)
    right = np.full((n_trees, cap), -1, np.int32)
    # Where a missing value goes at predict time: to the child with more training rows, as
    # scikit-learn's trees fitted without missing values do.
    missing_left = np.zeros((n_trees, cap), np.bool_)
    value = np.zeros((n_trees, cap, max(n_classes, 1)), np.float64)
    # Classification: class weights of the node, of the left side of a scan, and the class
    # of each row.
    class_total = np.zeros(max(n_classes, 1), np.float64)
    left_counts = np.zeros(max(n_classes, 1), np.float64)
    code = y.astype(np.int64) if n_classes > 0 else np.zeros(n, np.int64)
    n_nodes = np.zeros(n_trees, np.int32)
    # Per feature: rows in increasing order of value (ties in row order), the values in
    # that order, and each row's rank.
    order = np.empty((p, n), np.int64)
    ordered = np.empty((p, n), np.float32)
    rank = np.empty((p, n), np.int64)
    for f in range(p):
        order[f] = np.argsort(Xt[f], kind="mergesort")
        for k in range(n):
            ordered[f, k] = Xt[f, order[f, k]]
            rank[f, order[f, k]] = k
    weight = np.empty(n, np.float64)
    wy = np.empty(n, np.float64)
    node_rows = np.empty(n, np.int64)
    spill = np.empty(n, np.int64)
    bits = np.zeros(words, np.uint64)
    features = np.arange(p)
    constant = np.arange(p)
    every = max_features >= p
    stack = np.empty((cap, 5), np.int64)  # start, end, depth, node, known constants
    for t in range(n_trees):
        state = np.uint64(seeds[t])
        features[:] = np.arange(p)  # each tree's draws depend on its seed alone
        if every:
            # Every feature is visited at every node, so a node's draws only break ties
            # between equally good splits: one random order per tree does that, without a
            # draw per feature and node (a sixth of the time on 46 rows x 221 columns).
            for d in range(p - 1):
                state, j = _draw(state, p - d)
                features[d], features[d + j] = features[d + j], features[d]
        constant[:] = features
        if bootstrap:
            weight[:] = 0.0
            for _ in range(n_boot):
                state, i = _draw(state, n)
                weight[i] += 1.0
        else:
            weight[:] = 1.0
        m = 0
        for r in range(n):
            wy[r] = weight[r] * y[r]
            if weight[r] > 0.0:
                node_rows[m] = r
                m += 1
        count = 1
        top = 1
        stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3], stack[0, 4] = 0, m, 0, 0, 0
        while top > 0:
            top -= 1
            start, end, level, node = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
            known = stack[top, 4]
            sw = swy = swyy = 0.0
            if n_classes > 0:
                class_total[:] = 0.0
                for k in range(start, end):
                    r = node_rows[k]
                    sw += weight[r]
                    class_total[code[r]] += weight[r]
                # swyy: the sum of squared class weights; the largest Gini proxy is sw
                for c in range(n_classes):
                    value[t, node, c] = class_total[c] / sw
                    swyy += class_total[c] * class_total[c]
                pure = class_total.max() >= sw
                perfect = sw * (1.0 - 1e-12)
            else:
                for k in range(start, end):
                    r = node_rows[k]
                    sw += weight[r]
                    swy += wy[r]
                    swyy += wy[r] * y[r]
                value[t, node, 0] = swy / sw
                # scikit-learn's leaf test (impurity <= EPSILON), relative to the targets'
                # scale
                spread = swyy - swy * swy / sw  # the node's sum of squares about its mean
                pure = spread <= 1e-15 * swyy
                # A split into two pure children reaches the largest proxy there is (the
                # sum of w y^2); a split within 1e-9 of the node's sum of squares of it
                # ends the search (exact ties keep the first, as scikit-learn's ">").
                perfect = swyy - 1e-9 * spread
            size = end - start
            if level >= max_depth or size < min_split or size < 2 * min_leaf or pure:
                continue
            # The proxy of a split (scikit-learn's) is lwy^2 / lw + rwy^2 / rw for squared
            # error and sum_c (lc^2 / lw + rc^2 / rw) for Gini; it is kept as a fraction
            # num / den and compared by cross-multiplying: no division per row.
            best_num, best_den, best_f, best_x, best_next = -1.0, 1.0, -1, 0.0, 0.0
            # scikit-learn's feature draw (node_split_best): features found constant in a
            # node are constant in its subtree, so they are kept at the front of
            # ``features`` and passed down, and drawing one costs nothing but the draw.
            total = known
            found = drawn_const = visited = 0
            f_i = p
            while (
                f_i > total
                and (visited < max_features or visited <= found + drawn_const)
                and best_num < perfect * best_den
            ):
                visited += 1
                if every:
                    j = drawn_const
                else:
                    state, j = _draw(state, f_i - found - drawn_const)
                    j += drawn_const
                if j < known:
                    features[drawn_const], features[j] = features[j], features[drawn_const]
                    drawn_const += 1
                    continue
                j += found
                f = features[j]
                lo, hi = n, -1
                for k in range(start, end):
                    rk = rank[f, node_rows[k]]
                    lo = min(lo, rk)
                    hi = max(hi, rk)
                    bits[rk >> 6] |= np.uint64(1) << np.uint64(rk & 63)
                if ordered[f, hi] <= ordered[f, lo] + 1e-7:
                    bits[lo >> 6 : (hi >> 6) + 1] = 0
                    features[j], features[total] = features[total], features[j]
                    found += 1
                    total += 1
                    continue
                f_i -= 1
                features[f_i], features[j] = features[j], features[f_i]
                lw = lwy = rwy = 0.0
                if n_classes > 0:  # lwy, rwy: sums of squared left and right class weights
                    left_counts[:] = 0.0
                    rwy = swyy
                seen = 0
                previous = np.float32(0.0)
                for word in range(lo >> 6, (hi >> 6) + 1):
                    b = bits[word]
                    bits[word] = 0
                    while b:
                        rk = word * 64 + np.int64(_cttz(b))
                        b &= b - np.uint64(1)
                        x = ordered[f, rk]
                        if (
                            seen > 0
                            and x > previous + 1e-7
                            and seen >= min_leaf
                            and size - seen >= min_leaf
                        ):
                            rw = sw - lw
                            if n_classes > 0:
                                num = lwy * rw + rwy * lw
                            else:
                                rwy = swy - lwy
                                num = lwy * lwy * rw + rwy * rwy * lw
                            den = lw * rw
                            if num * best_den > best_num * den:
                                best_num, best_den = num, den
                                best_f, best_x, best_next = f, previous, x
                        r = order[f, rk]
                        lw += weight[r]
                        if n_classes > 0:
                            c = code[r]
                            w = weight[r]
                            lwy += w * (2.0 * left_counts[c] + w)
                            rwy += w * (w - 2.0 * (class_total[c] - left_counts[c]))
                            left_counts[c] += w
                        else:
                            lwy += wy[r]
                        seen += 1
                        previous = x
            # The known constants back in their order (a sibling reads the same prefix),
            # the new ones recorded after them.
            features[:known] = constant[:known]
            constant[known:total] = features[known:total]
            if best_f < 0:
                continue
            cut = np.float64(best_x) / 2.0 + np.float64(best_next) / 2.0
            if cut == best_next or not np.isfinite(cut):
                cut = np.float64(best_x)
            a = start
            b = 0
            for k in range(start, end):  # stable partition of the node's rows
                r = node_rows[k]
                if Xt[best_f, r] <= cut:
                    node_rows[a] = r
                    a += 1
                else:
                    spill[b] = r
                    b += 1
            node_rows[a:end] = spill[:b]
            feature[t, node] = best_f
            threshold[t, node] = cut
            missing_left[t, node] = a - start >= end - a
            left[t, node], right[t, node] = count, count + 1
            # The right child is pushed first, so that the left subtree grows first.
            for child_start, child_end, child in ((a, end, count + 1), (start, a, count)):
                stack[top, 0], stack[top, 1], stack[top, 2] = child_start, child_end, level + 1
                stack[top, 3], stack[top, 4] = child, total
                top += 1
            count += 2
        n_nodes[t] = count
    return feature, threshold, left, right, value, n_nodes, missing_left


@njit(cache=True, nogil=True)
def predict_trees(X, feature, threshold, left, right, value, missing_left):
    """Mean over the trees of each row's leaf values (X: rows x features, float32); shape
    (rows, outputs)."""
    n_trees = feature.shape[0]
    out = np.zeros((X.shape[0], value.shape[2]))
    for i in range(X.shape[0]):
        for t in range(n_trees):
            node = 0
            while feature[t, node] >= 0:
                x = X[i, feature[t, node]]
                if x <= threshold[t, node] or (np.isnan(x) and missing_left[t, node]):
                    node = left[t, node]
                else:
                    node = right[t, node]
            out[i] += value[t, node]
    return out / n_trees
