"""PyTorch reference for bench-perf (issue 10): a Qwen2-0.5B-shaped decoder with random weights, eager fp32.

Usage: python3 scripts/perf/torch_ref.py <prefill|decode|score|train> [--preset 0.5b|tiny] [--threads 2]
Prints one JSON line with the timing and this process's peak RSS (each measurement in its own process, so peaks
are separate). Same shapes as the TypeScript backends: prefill 1x256 (last-position logits), 5-sample KV decode of
64 tokens from one shared prefill, full-logit scoring 5x256, LoRA r16 (q,k,v,o,gate,up,down) step on 5x256 tokens
with NLL + exact KL against the same weights with adapters disabled, AdamW.
"""
import argparse, json, math, resource, time
import torch
import torch.nn.functional as F

PRESETS = {
    "0.5b": dict(H=896, I=4864, L=24, nH=14, nKV=2, D=64, V=151936),
}


def dims_from_config(path):
    """Decoder dims of an HF config.json (the checkpoint bench-perf measures), so shapes match exactly."""
    with open(path) as fh:
        c = json.load(fh)
    t = c.get("text_config", c)
    return dict(H=t["hidden_size"], I=t["intermediate_size"], L=t["num_hidden_layers"], nH=t["num_attention_heads"],
                nKV=t["num_key_value_heads"], D=t.get("head_dim", t["hidden_size"] // t["num_attention_heads"]), V=t["vocab_size"])


class Lora(torch.nn.Module):
    def __init__(self, base, r=16, alpha=32):
        super().__init__()
        self.base = base
        self.a = torch.nn.Parameter(torch.randn(r, base.in_features) / math.sqrt(base.in_features))
        self.b = torch.nn.Parameter(torch.zeros(base.out_features, r))
        self.scale = alpha / r
        self.enabled = True

    def forward(self, x):
        y = self.base(x)
        return y + (x @ self.a.t() @ self.b.t()) * self.scale if self.enabled else y


def rms(x, w, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, pos, theta=1e6):
    d = x.shape[-1]
    inv = 1.0 / theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d)
    f = pos[:, None].float() * inv[None]
    cos, sin = torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class Layer(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        H, I, nH, nKV, D = c["H"], c["I"], c["nH"], c["nKV"], c["D"]
        self.nH, self.nKV, self.D = nH, nKV, D
        self.q = torch.nn.Linear(H, nH * D)
        self.k = torch.nn.Linear(H, nKV * D)
        self.v = torch.nn.Linear(H, nKV * D)
        self.o = torch.nn.Linear(nH * D, H, bias=False)
        self.gate = torch.nn.Linear(H, I, bias=False)
        self.up = torch.nn.Linear(H, I, bias=False)
        self.down = torch.nn.Linear(I, H, bias=False)
        self.n1 = torch.nn.Parameter(torch.ones(H))
        self.n2 = torch.nn.Parameter(torch.ones(H))

    def forward(self, x, pos, cache=None):
        B, S, _ = x.shape
        h = rms(x, self.n1)
        q = rope(self.q(h).view(B, S, self.nH, self.D).transpose(1, 2), pos)
        k = rope(self.k(h).view(B, S, self.nKV, self.D).transpose(1, 2), pos)
        v = self.v(h).view(B, S, self.nKV, self.D).transpose(1, 2)
        if cache is not None:
            if cache[0] is not None:
                k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
            cache[0], cache[1] = k, v
        rep = self.nH // self.nKV
        kk, vv = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        # explicit attention (torch 1.13 has no scaled_dot_product_attention); causal when there is no past
        w = (q @ kk.transpose(-1, -2)) / math.sqrt(self.D)
        if S > 1:
            w = w + torch.full((S, S), float("-inf")).triu(1)
        a = torch.softmax(w, -1) @ vv
        x = x + self.o(a.transpose(1, 2).reshape(B, S, -1))
        h = rms(x, self.n2)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = torch.nn.Embedding(c["V"], c["H"])
        self.layers = torch.nn.ModuleList([Layer(c) for _ in range(c["L"])])
        self.norm = torch.nn.Parameter(torch.ones(c["H"]))
        with torch.no_grad():
            for p in self.parameters():
                if p.dim() >= 2:
                    p.normal_(0, 0.02)

    def forward(self, ids, pos, caches=None, last_only=False):
        x = self.embed(ids)
        for i, layer in enumerate(self.layers):
            x = layer(x, pos, caches[i] if caches is not None else None)
        x = rms(x, self.norm)
        if last_only:
            x = x[:, -1:]
        return x @ self.embed.weight.t()  # tied LM head

    def set_lora(self, enabled):
        for m in self.modules():
            if isinstance(m, Lora):
                m.enabled = enabled


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["prefill", "decode", "score", "train"])
    ap.add_argument("--preset", default="0.5b", help="0.5b (Qwen2-0.5B dims) or a label for --config")
    ap.add_argument("--config", help="HF config.json whose text dims to use instead of the preset")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    c = dims_from_config(a.config) if a.config else PRESETS[a.preset]
    m = Model(c).eval()
    V = c["V"]
    g = torch.Generator().manual_seed(1)
    out = {"what": a.what, "preset": a.preset, "threads": a.threads, "torch": torch.__version__}
    P = 256
    ids = torch.randint(0, min(V, 256), (1, P), generator=g)
    pos = torch.arange(P)
    if a.what == "prefill":
        with torch.no_grad():
            m(ids[:, :8], pos[:8], last_only=True)  # warm-up
            t = time.perf_counter()
            m(ids, pos, last_only=True)
            out["sec"] = time.perf_counter() - t
        out["tokensPerSec"] = P / out["sec"]
    elif a.what == "decode":
        n, new = 5, 64
        with torch.no_grad():
            caches = [[None, None] for _ in range(c["L"])]
            logits = m(ids, pos, caches, last_only=True)
            caches = [[k.expand(n, -1, -1, -1).contiguous(), v.expand(n, -1, -1, -1).contiguous()] for k, v in caches]
            tok = logits[:, -1].argmax(-1).expand(n).reshape(n, 1)
            t = time.perf_counter()
            for s in range(new):
                logits = m(tok, torch.tensor([P + s]), caches)
                tok = torch.multinomial(torch.softmax(logits[:, -1], -1), 1)
            out["sec"] = time.perf_counter() - t
        out["tokensPerSec"] = n * new / out["sec"]
        out["stepsPerSec"] = new / out["sec"]
    elif a.what == "score":
        x = torch.randint(0, min(V, 256), (5, P), generator=g)
        with torch.no_grad():
            t = time.perf_counter()
            # full-vocabulary logits of every position, then the log-prob of each next token
            torch.log_softmax(m(x, pos)[:, :-1], -1).gather(-1, x[:, 1:, None])
            out["sec"] = time.perf_counter() - t
        out["tokensPerSec"] = 5 * P / out["sec"]
    else:
        for layer in m.layers:
            for name in ["q", "k", "v", "o", "gate", "up", "down"]:
                setattr(layer, name, Lora(getattr(layer, name)))
        for p in m.parameters():
            p.requires_grad_(False)
        params = [p for mod in m.modules() if isinstance(mod, Lora) for p in (mod.a, mod.b)]
        for p in params:
            p.requires_grad_(True)
        opt = torch.optim.AdamW(params, lr=1e-6)
        x = torch.randint(0, min(V, 256), (5, P), generator=g)
        adv = torch.randn(5)
        L = 64  # completion tokens per sample (the last 64 of 256), as the TS step
        t = time.perf_counter()
        with torch.no_grad():
            m.set_lora(False)
            ref = torch.log_softmax(m(x, pos)[:, -L - 1 : -1], -1)
            m.set_lora(True)
        logp = torch.log_softmax(m(x, pos)[:, -L - 1 : -1], -1)
        tgt = x[:, -L:]
        nll = logp.gather(-1, tgt[..., None])[..., 0]
        kl = (logp.exp() * (logp - ref)).sum(-1)
        loss = (-(adv[:, None] * nll) + 1e-3 * kl).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        out["sec"] = time.perf_counter() - t
        out["tokens"] = 5 * P
    out["peakRss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
