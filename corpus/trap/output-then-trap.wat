;;! id = "trap.output-then-trap"
;;! guarantee = "TRAP-02"
;;! since = "0.1.0"
;;! summary = "writes a valid result, then traps"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "unreachable" }
;;! min_host_calls = { output_write = 1 }
;; The output was accepted by output_write, but the call did not complete: a runtime that returns
;; "the output so far" turns a crash into a success.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"written before the trap\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 37)))
    (unreachable)))
