"""Starts llama.cpp's own server (the xllamacpp wheel) on loopback for the llm crate's tests.

    python3 serve.py --xllamacpp DIR --model FILE.gguf [--alias NAME] [--ctx N] [--ping SECS]
                     [--threads N]

Prints `LISTENING <base URL>` once the model is loaded and the server answers, then serves
until its standard input closes (the test that started it ended or died), and exits.
"""

import argparse
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xllamacpp", required=True, help="the folder the xllamacpp wheel is installed in")
    parser.add_argument("--model", required=True, help="the GGUF file to load")
    parser.add_argument("--alias", default="smollm2", help="the model id the server reports")
    parser.add_argument("--ctx", type=int, default=1024, help="the context size in tokens")
    parser.add_argument("--ping", type=int, default=30, help="seconds between SSE keep-alive comments")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for the model")
    args = parser.parse_args()

    sys.path.insert(0, args.xllamacpp)
    import xllamacpp as xlc  # noqa: E402 (found only once the folder is on the path)

    params = xlc.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}
    params.n_ctx = args.ctx
    params.n_parallel = 1
    params.sse_ping_interval = args.ping
    params.port = 0  # a free port; the address it got is printed
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    server = xlc.Server(params)
    print("LISTENING", server.listening_address, flush=True)
    sys.stdin.read()
    # The native server's threads would keep a normal exit waiting.
    os._exit(0)


if __name__ == "__main__":
    main()
