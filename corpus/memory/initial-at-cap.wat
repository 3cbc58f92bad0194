;;! id = "memory.initial-at-cap"
;;! guarantee = "MEM-01"
;;! since = "0.1.0"
;;! summary = "declares exactly 32 pages (2 MiB) of initial memory and uses its last byte"
;;! [expect]
;;! output = { summary = "started with 32 pages and used the last byte" }
;; The control of memory.initial-over-cap: an initial memory of exactly memory_bytes is within the
;; cap. A check written `>=` (or in pages rounded the wrong way) refuses it with memory_limit.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 32)
  (data (i32.const 0) "{\"summary\":\"started with 32 pages and used the last byte\"}")
  (func (export "yoi_tool_call")
    (i32.store8 (i32.const 0x1fffff) (i32.const 0x5a))
    (if (i32.eq (i32.load8_u (i32.const 0x1fffff)) (i32.const 0x5a))
      (then (drop (call $output_write (i32.const 0) (i32.const 58)))))))
