;;! id = "errors.trap-in-escape-named-function"
;;! guarantee = "ERR-01"
;;! since = "0.1.0"
;;! summary = "traps in a function whose name-section name is terminal escapes"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "unreachable" }
;;! min_host_calls = { input_len = 1 }
;; Engines put function names from the name section into trap backtraces. These names clear the
;; screen and ring the bell; the message of the trap must not carry them.
(module (@name "\1b]0;owned module\07")
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func $evil (@name "\1b[2J\1b[31mevil function\07")
    (unreachable))
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    (call $evil)))
