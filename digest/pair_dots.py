"""Dot products of chosen pairs of rows of a sparse matrix, compiled (numba).

The grouping needs the cosine of a few million candidate pairs of unit rows: scipy can
only gather both rows of every pair and multiply them elementwise, which copied each
row once per pair and was most of the cluster stage (45 of 130 CPU s at 100,000
articles). Here each left row is spread once into a dense vector, and each of its pairs'
right rows is summed against it in place, without copies; the loop releases the GIL, so
the grouping's threads run it side by side.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]


def row_pair_dots(
    rows: csr_matrix, left: NDArray[np.int64], right: NDArray[np.int64]
) -> NDArray[np.float64]:
    """`rows[left[k]] · rows[right[k]]` for each k, summed over the right row's columns
    in ascending order; fastest with the pairs grouped by their left row. `rows` must
    have sorted indices (as `sort_indices` leaves them); nothing is copied."""
    widest = int(np.diff(rows.indptr).max(initial=0))
    dots: NDArray[np.float64] = _pair_dots(
        rows.indptr, rows.indices, rows.data, left, right, np.zeros(rows.shape[1]), widest
    )
    return dots


@njit(nogil=True, cache=True)
def _pair_dots(indptr, indices, data, left, right, dense, widest):  # type: ignore[no-untyped-def]
    """The loop of `row_pair_dots`: `dense` holds zeros, one per column, and is left so;
    `widest`: the most entries of a row.

    A pair's products are summed as scipy's `multiply(...).sum(axis=1)` sums them, so
    the similarities are the same to the last bit: the nonzero ones in column order,
    the first plus numpy's pairwise sum of the others (`np.add.reduceat`).
    """
    dots = np.zeros(len(left))
    products = np.empty(widest)
    spread = -1
    for k in range(len(left)):
        if left[k] != spread:
            if spread >= 0:
                dense[indices[indptr[spread] : indptr[spread + 1]]] = 0.0
            spread = left[k]
            for p in range(indptr[spread], indptr[spread + 1]):
                dense[indices[p]] = data[p]
        shared = 0
        for p in range(indptr[right[k]], indptr[right[k] + 1]):
            product = dense[indices[p]] * data[p]
            if product != 0.0:
                products[shared] = product
                shared += 1
        if shared:
            dots[k] = products[0] + _pairwise_sum(products[1:shared])
    if spread >= 0:
        dense[indices[indptr[spread] : indptr[spread + 1]]] = 0.0
    return dots


@njit(nogil=True, cache=True)
def _pairwise_sum(values):  # type: ignore[no-untyped-def]
    """numpy's pairwise summation (`np.add.reduce` of contiguous float64), step for step."""
    n = len(values)
    if n < 8:
        total = 0.0
        for i in range(n):
            total += values[i]
        return total
    if n <= 128:
        r = values[:8].copy()
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += values[i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            total += values[i]
            i += 1
        return total
    half = n // 2
    half -= half % 8
    return _pairwise_sum(values[:half]) + _pairwise_sum(values[half:])
