// word2vec's training loop as one TensorFlow op (CPU).
//
// NegativeSamplingUpdate(input_vectors, output_vectors, centres, contexts,
// noise, rate) -> loss: for each example in order, exactly as word2vec.c
// does it: the hidden vector is the mean of the example's context rows
// (-1: an empty slot; skip-gram gives one context per example), the true
// word (label 1) and its noise words (label 0; a noise word equal to the
// true word is skipped) each get f = h . out[w], g = (label - sigmoid(f)) *
// rate, out[w] += g * h, and the context rows then get the summed
// sum_w g * out[w]. Updates are in place, under the variables' locks; the
// output is each example's negative-sampling loss before its update.
//
// HierarchicalSoftmaxUpdate(input_vectors, inner_vectors, contexts, points,
// codes, rate) -> loss: word2vec.c's `hs` branch, example after example: the
// hidden vector as above; for each inner node n of the true word's Huffman
// path (points, -1: past its end) with branch code c, f = h . inner[n], the
// loss adds softplus(-(1 - 2c) f), and where |f| < 6 (MAX_EXP) g = (1 - c -
// sigmoid(f)) * rate, e += g * inner[n], inner[n] += g * h; the context rows
// then get e.
// Built by `python -m apps.word2vec.native` (make does it); loaded by
// apps/word2vec/native.py.

#define EIGEN_USE_THREADS

#include <algorithm>
#include <cmath>
#include <vector>
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/resource_var.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/kernels/training_op_helpers.h"

using namespace tensorflow;

REGISTER_OP("NegativeSamplingUpdate")
    .Input("input_vectors: resource")
    .Input("output_vectors: resource")
    .Input("centres: int32")
    .Input("contexts: int32")
    .Input("noise: int32")
    .Input("rate: float")
    .Output("loss: float")
    .SetIsStateful()
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->Vector(c->Dim(c->input(2), 0)));
      return OkStatus();
    });

namespace {
constexpr float kMaxLogit = 30.f;  // keeps exp() finite
inline float clamp(float x) { return std::fmax(-kMaxLogit, std::fmin(kMaxLogit, x)); }
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
inline float softplus(float x) { return x > 20.f ? x : std::log1p(std::exp(x)); }

// Both tables (locked by the caller) made safe to update in place.
inline Status prepare_tables(OpKernelContext* ctx, Var* first, Var* second) {
  for (Var* table : {first, second}) {
    TF_RETURN_IF_ERROR(PrepareToUpdateVariable<Eigen::ThreadPoolDevice, float>(
        ctx, table->tensor(), table->copy_on_read_mode.load()));
  }
  return OkStatus();
}

// h = the mean of the example's context rows (ids < 0 or >= vocab: empty slots); false if none.
inline bool context_mean(const float* vec, int64_t vocab, int64_t dim, const int32* ids, int64_t width, float* h) {
  int count = 0;
  std::fill(h, h + dim, 0.f);
  for (int64_t j = 0; j < width; ++j) {
    if (ids[j] < 0 || ids[j] >= vocab) continue;
    const float* row = vec + static_cast<int64_t>(ids[j]) * dim;
    for (int64_t d = 0; d < dim; ++d) h[d] += row[d];
    ++count;
  }
  if (count == 0) return false;
  const float inv = 1.f / count;
  for (int64_t d = 0; d < dim; ++d) h[d] *= inv;
  return true;
}

// Every context row of the example gets the whole hidden-vector change e (word2vec's neu1e).
inline void add_to_contexts(float* vec, int64_t vocab, int64_t dim, const int32* ids, int64_t width, const float* e) {
  for (int64_t j = 0; j < width; ++j) {
    if (ids[j] < 0 || ids[j] >= vocab) continue;
    float* row = vec + static_cast<int64_t>(ids[j]) * dim;
    for (int64_t d = 0; d < dim; ++d) row[d] += e[d];
  }
}
}

class NegativeSamplingUpdateOp : public OpKernel {
 public:
  explicit NegativeSamplingUpdateOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    core::RefCountPtr<Var> in_var, out_var;
    OP_REQUIRES_OK(ctx, LookupResource(ctx, HandleFromInput(ctx, 0), &in_var));
    OP_REQUIRES_OK(ctx, LookupResource(ctx, HandleFromInput(ctx, 1), &out_var));
    const Tensor& centres = ctx->input(2);
    const Tensor& contexts = ctx->input(3);
    const Tensor& noise = ctx->input(4);
    OP_REQUIRES(ctx, centres.dims() == 1 && contexts.dims() == 2 && noise.dims() == 2 &&
                     contexts.dim_size(0) == centres.dim_size(0) && noise.dim_size(0) == centres.dim_size(0),
                errors::InvalidArgument("centres (B,), contexts (B, C) and noise (B, K) must agree"));
    const float rate = ctx->input(5).scalar<float>()();
    const int64_t batch = centres.dim_size(0);
    const int64_t width = contexts.dim_size(1);
    const int64_t negatives = noise.dim_size(1);
    Tensor* loss_out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({batch}), &loss_out));
    auto loss = loss_out->vec<float>();
    mutex_lock l1(*in_var->mu());
    mutex_lock l2(*out_var->mu());
    OP_REQUIRES_OK(ctx, prepare_tables(ctx, in_var.get(), out_var.get()));
    OP_REQUIRES(ctx, in_var->tensor()->dims() == 2 && in_var->tensor()->shape() == out_var->tensor()->shape(),
                errors::InvalidArgument("input and output vectors must be (vocabulary, dim) tables of one shape"));
    float* vec = in_var->tensor()->flat<float>().data();
    float* out = out_var->tensor()->flat<float>().data();
    const int64_t vocab = in_var->tensor()->dim_size(0);
    const int64_t dim = in_var->tensor()->dim_size(1);
    auto c_ids = centres.vec<int32>();
    const int32* ctx_data = contexts.flat<int32>().data();
    auto n_ids = noise.matrix<int32>();
    std::vector<float> h(dim), e(dim);
    for (int64_t b = 0; b < batch; ++b) {
      const int32* ids = ctx_data + b * width;
      loss(b) = 0.f;
      if (!context_mean(vec, vocab, dim, ids, width, h.data())) continue;
      std::fill(e.begin(), e.end(), 0.f);
      const int32 centre = c_ids(b);
      for (int64_t k = -1; k < negatives; ++k) {
        const int32 target = k < 0 ? centre : n_ids(b, k);
        if (target < 0 || target >= vocab || (k >= 0 && target == centre)) continue;
        float* row = out + target * dim;
        float f = 0.f;
        for (int64_t d = 0; d < dim; ++d) f += h[d] * row[d];
        f = clamp(f);
        const float label = k < 0 ? 1.f : 0.f;
        loss(b) += k < 0 ? softplus(-f) : softplus(f);
        const float g = (label - sigmoid(f)) * rate;
        for (int64_t d = 0; d < dim; ++d) { e[d] += g * row[d]; row[d] += g * h[d]; }
      }
      add_to_contexts(vec, vocab, dim, ids, width, e.data());
    }
  }
};

REGISTER_KERNEL_BUILDER(Name("NegativeSamplingUpdate").Device(DEVICE_CPU), NegativeSamplingUpdateOp);

REGISTER_OP("HierarchicalSoftmaxUpdate")
    .Input("input_vectors: resource")
    .Input("inner_vectors: resource")
    .Input("contexts: int32")
    .Input("points: int32")
    .Input("codes: float")
    .Input("rate: float")
    .Output("loss: float")
    .SetIsStateful()
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->Vector(c->Dim(c->input(2), 0)));
      return OkStatus();
    });

class HierarchicalSoftmaxUpdateOp : public OpKernel {
 public:
  explicit HierarchicalSoftmaxUpdateOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    core::RefCountPtr<Var> in_var, node_var;
    OP_REQUIRES_OK(ctx, LookupResource(ctx, HandleFromInput(ctx, 0), &in_var));
    OP_REQUIRES_OK(ctx, LookupResource(ctx, HandleFromInput(ctx, 1), &node_var));
    const Tensor& contexts = ctx->input(2);
    const Tensor& points = ctx->input(3);
    const Tensor& codes = ctx->input(4);
    OP_REQUIRES(ctx, contexts.dims() == 2 && points.dims() == 2 && codes.shape() == points.shape() &&
                     points.dim_size(0) == contexts.dim_size(0),
                errors::InvalidArgument("contexts (B, C), points (B, L) and codes (B, L) must agree"));
    const float rate = ctx->input(5).scalar<float>()();
    const int64_t batch = contexts.dim_size(0);
    const int64_t width = contexts.dim_size(1);
    const int64_t length = points.dim_size(1);
    Tensor* loss_out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({batch}), &loss_out));
    auto loss = loss_out->vec<float>();
    mutex_lock l1(*in_var->mu());
    mutex_lock l2(*node_var->mu());
    OP_REQUIRES_OK(ctx, prepare_tables(ctx, in_var.get(), node_var.get()));
    OP_REQUIRES(ctx, in_var->tensor()->dims() == 2 && node_var->tensor()->dims() == 2 &&
                     in_var->tensor()->dim_size(1) == node_var->tensor()->dim_size(1),
                errors::InvalidArgument("input and inner-node vectors must be tables of one width"));
    float* vec = in_var->tensor()->flat<float>().data();
    float* node = node_var->tensor()->flat<float>().data();
    const int64_t vocab = in_var->tensor()->dim_size(0);
    const int64_t nodes = node_var->tensor()->dim_size(0);
    const int64_t dim = in_var->tensor()->dim_size(1);
    const int32* ctx_data = contexts.flat<int32>().data();
    auto path = points.matrix<int32>();
    auto bits = codes.matrix<float>();
    std::vector<float> h(dim), e(dim);
    for (int64_t b = 0; b < batch; ++b) {
      const int32* ids = ctx_data + b * width;
      loss(b) = 0.f;
      if (!context_mean(vec, vocab, dim, ids, width, h.data())) continue;
      std::fill(e.begin(), e.end(), 0.f);
      for (int64_t l = 0; l < length; ++l) {
        const int32 n = path(b, l);
        if (n < 0 || n >= nodes) break;
        float* row = node + n * dim;
        float f = 0.f;
        for (int64_t d = 0; d < dim; ++d) f += h[d] * row[d];
        const float code = bits(b, l);
        loss(b) += softplus(-(1.f - 2.f * code) * clamp(f));
        if (f <= -6.f || f >= 6.f) continue;  // word2vec.c: no update outside (-MAX_EXP, MAX_EXP)
        const float g = (1.f - code - sigmoid(f)) * rate;
        for (int64_t d = 0; d < dim; ++d) { e[d] += g * row[d]; row[d] += g * h[d]; }
      }
      add_to_contexts(vec, vocab, dim, ids, width, e.data());
    }
  }
};

REGISTER_KERNEL_BUILDER(Name("HierarchicalSoftmaxUpdate").Device(DEVICE_CPU), HierarchicalSoftmaxUpdateOp);
