;;! id = "memory.many-grows-within-cap"
;;! guarantee = "MEM-02"
;;! since = "0.1.0"
;;! summary = "300,000 memory.grow calls that stay within the cap (deltas 0 and 1), then an output: the host keeps running"
;;! [expect]
;;! output = { summary = "grew 300000 times" }
;; Found by `cargo xtask fuzz --differential` (seed 552, a wasm-smith loop growing memory): an
;; interpreter whose instruction handlers call one another without a guaranteed tail call (wasmi's
;; tail-call dispatch under stable Rust) uses host stack for every memory.grow executed, and a
;; loop of them aborts the whole host process with a native stack overflow. Growth within the cap
;; must simply succeed (MEM-02), however often the guest asks.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1 2)
  (data (i32.const 0) "{\"summary\":\"grew 300000 times\"}")
  (func (export "yoi_tool_call")
    (local $i i32)
    (loop $again
      ;; Deltas 0 and 1: the memory reaches its declared 2 pages, then stays (a delta of 1 past
      ;; the module's own maximum returns -1, MEM-05).
      (drop (memory.grow (i32.and (local.get $i) (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 300000))))
    (drop (call $output_write (i32.const 0) (i32.const 31)))))
