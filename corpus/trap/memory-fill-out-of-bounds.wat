;;! id = "trap.memory-fill-out-of-bounds"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "memory.fill of 1000 bytes from offset 65000"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "memory_out_of_bounds" }
;; Bulk memory instructions are bounds-checked as a whole.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    ;; [65000, 66000) ends past memory.
    (memory.fill (i32.const 65000) (i32.const 0) (i32.const 1000))))
