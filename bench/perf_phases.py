import sys, re, collections
# classify perf script samples by the innermost "phase" frame found in their stack
phases = [
    ("output (json/csv/table writers)", re.compile(r"output::|Output<|JsonWriter|CsvWriter|TableWriter|comfy_table|write_json_string|csv::writer")),
    ("parse page (serde_json -> Funnel)", re.compile(r"check_envelope|parse_object|interpret<")),
    ("read body (ureq -> Vec<u8>)", re.compile(r"read_capped")),
    ("dedupe (pager key set)", re.compile(r"hashbrown|HashSet|HashMap|pager::.*key|Keyed")),
    ("drop records", re.compile(r"drop_in_place<.*(Funnel|Stage|Vec<funnels)")),
    ("send request", re.compile(r"ureq::.*(send|run|connect)|RequestBuilder")),
]
counts = collections.Counter(); total = 0
sample = []
def flush():
    global total
    if not sample: return
    total += 1
    # frames listed innermost first; first phase whose regex matches any frame, scanning innermost->outermost
    for fr in sample:
        for name, rx in phases:
            if rx.search(fr):
                counts[name] += 1; return
    counts["other (start-up, exit, kernel, alloc outside phases)"] += 1
for line in sys.stdin:
    if not line.strip():
        flush(); sample = []; continue
    if line.startswith(("\t", " ")):
        sample.append(line.strip())
    else:
        sample = [] if sample == [] else sample
flush()
for k, v in counts.most_common():
    print(f"{100*v/total:5.1f}%  {k}")
print(f"{total} samples")
