"""A stand-in for `python -m rag.generate.worker`: the same protocol, scripted faults instead of a model.

The model "path" picks the behaviour: a name containing "amx" dies by SIGILL on any prompt unless started
with --safe (as llama.cpp's AMX kernels do on hosts that advertise AMX without running it); one containing
"slow-normal" reads a long prompt slowly unless started with --safe (as on hosts where weight repacking costs
more than it saves); any other reads it a little slowly in safe mode, as on most hosts (safe mode gives up the
repacked kernels), so that two runs of the doctor never take noise for a faster safe mode; one containing
"busy-once" reads it slowly in the first normal-mode process only (a busy minute of a shared host). A message
containing "DIE" makes the child kill itself after two pieces, "HANG" makes it stop answering.
"""

import json
import os
import select
import signal
import sys
import time

args = sys.argv[1:]
model, safe = args[0], "--safe" in args
busy = False  # (busy-once: this process is the first normal-mode one)
out = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)


def send(obj):
    out.write(json.dumps(obj) + "\n")


while True:
    line = sys.stdin.readline()
    if not line:
        sys.exit(0)
    req = json.loads(line)
    op = req["op"]
    text = " ".join(m["content"] for m in req.get("messages", []))
    if op in ("stream", "yes_no", "remember") and "amx" in model and not safe:
        os.kill(os.getpid(), signal.SIGILL)
    if "HANG" in text:
        time.sleep(3600)
    if op == "load":
        if "busy-once" in model and not safe and not os.path.exists(model + ".seen"):
            busy = True
            open(model + ".seen", "w").close()
        send({"value": True})
    elif op == "yes_no":
        send({"value": 2.5 if "YES" in text else -2.5})
    elif op in ("prefill", "remember"):  # (a prompt "read" and kept: nothing to keep here)
        send({"value": 1})
    elif op == "stream":
        slow = (busy or safe) if "busy-once" in model else ("slow-normal" in model) != safe
        if len(text) > 1000 and slow:
            time.sleep(0.5 if not safe else 0.3)
        for i in range(req["max_tokens"]):
            if "DIE" in text and i == 2:
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(0.01)  # each piece takes time, the first too (the prompt is "read"): a measurable first piece
            send({"piece": f"w{i} "})
            if select.select([sys.stdin], [], [], 0)[0]:
                sys.stdin.readline()
                break
        send({"done": True, "safe": safe})
