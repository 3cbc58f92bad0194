;;! id = "trap.load-out-of-bounds"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "loads an i32 at 65536, just past a one-page memory"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "memory_out_of_bounds" }
;; The first address past the end of memory.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    ;; Address 65536 is one byte past the last.
    (drop (i32.load (i32.const 65536)))))
