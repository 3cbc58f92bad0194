;;! id = "trap.unreachable"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "executes unreachable"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "unreachable" }
;; The simplest trap; its kind must be reported as unreachable.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    ;; What compilers emit for abort() and panics.
    (unreachable)))
