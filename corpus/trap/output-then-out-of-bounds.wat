;;! id = "trap.output-then-out-of-bounds"
;;! guarantee = "TRAP-02"
;;! since = "0.1.0"
;;! summary = "writes a valid result, then a helper function loads past the end of memory"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "memory_out_of_bounds" }
;;! min_host_calls = { output_write = 1 }
;; The second case of trap.output-then-trap, with another trap kind raised one call deeper. The
;; output written before it is discarded: the call failed.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"written before the trap\"}")
  (func $load_past_end (result i32)
    (i32.load (i32.const 65536)))
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 37)))
    (drop (call $load_past_end))))
