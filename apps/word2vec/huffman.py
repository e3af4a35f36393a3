"""The Huffman tree of hierarchical softmax, built as word2vec.c's CreateBinaryTree builds it.

Every word is a leaf; the two rarest nodes are merged until one root is
left, so a word's path from the root is about log2 of its rank long and
frequent words have short codes. A word's `points` are the inner nodes on
its path (root first, indices 0..V-2 into the inner-node vectors) and its
`codes` the branch taken at each (0 or 1); predicting the word is a chain
of binary decisions, cost O(log V) instead of O(V) for the full softmax.
"""

from __future__ import annotations

import numpy as np

MAX_CODE_LENGTH = 40  # word2vec.c's MAX_CODE_LENGTH


def huffman_tree(counts):
    """(points (V, L) int32 padded with -1, codes (V, L) float32, lengths (V,)) of word counts.

    `counts` must be sorted by decreasing count (the vocabulary's order), as
    word2vec.c's vocabulary is; ties are broken as it breaks them."""
    counts = np.asarray(counts, dtype=np.int64)
    size = len(counts)
    if size < 2:
        raise ValueError("hierarchical softmax needs at least 2 words")
    if np.any(np.diff(counts) > 0):
        raise ValueError("counts must be sorted by decreasing count")
    count = np.concatenate([counts, np.full(size - 1, 10**15, dtype=np.int64)])
    parent = np.zeros(2 * size - 1, dtype=np.int64)
    binary = np.zeros(2 * size - 1, dtype=np.int8)
    pos1, pos2 = size - 1, size
    for a in range(size - 1):
        picked = []
        for _ in range(2):  # the two smallest of the leaves (from the rare end) and the merged nodes
            if pos1 >= 0 and count[pos1] < count[pos2]:
                picked.append(pos1)
                pos1 -= 1
            else:
                picked.append(pos2)
                pos2 += 1
        count[size + a] = count[picked[0]] + count[picked[1]]
        parent[picked[0]] = parent[picked[1]] = size + a
        binary[picked[1]] = 1
    return paths(parent, binary, size)


def paths(parent, binary, size):
    """Root-first inner nodes and branch codes of every leaf."""
    root = 2 * size - 2
    walks = []
    for leaf in range(size):
        nodes, bits, node = [], [], leaf
        while node != root:
            bits.append(binary[node])
            node = parent[node]
            nodes.append(node - size)  # an inner node's index into the inner-node vectors
        walks.append((nodes[::-1], bits[::-1]))
    length = max(len(nodes) for nodes, _ in walks)
    if length > MAX_CODE_LENGTH:
        raise ValueError(f"a Huffman code longer than {MAX_CODE_LENGTH} bits")
    points = np.full((size, MAX_CODE_LENGTH), -1, dtype=np.int32)
    codes = np.zeros((size, MAX_CODE_LENGTH), dtype=np.float32)
    lengths = np.zeros(size, dtype=np.int32)
    for leaf, (nodes, bits) in enumerate(walks):
        points[leaf, :len(nodes)] = nodes
        codes[leaf, :len(bits)] = bits
        lengths[leaf] = len(nodes)
    return points, codes, lengths
