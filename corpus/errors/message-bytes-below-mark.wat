;;! id = "errors.message-bytes-below-mark"
;;! guarantee = "ERR-01"
;;! since = "0.1.0"
;;! summary = "message_bytes = 2, smaller than the 3-byte cut mark, and a trap"
;;! [limits]
;;! message_bytes = 2
;;! [expect]
;;! code = "trap"
;;! details = { trap = "unreachable" }
;; A message cut to 2 bytes has no room for the mark "…": it is cut without it, and still not empty.
(module
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    unreachable))
