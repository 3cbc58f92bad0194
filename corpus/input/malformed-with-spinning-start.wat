;;! id = "input.malformed-with-spinning-start"
;;! guarantee = "IN-02"
;;! since = "0.1.0"
;;! summary = "a truncated input and a start function that loops forever"
;;! input = '{"text": "hi"'
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "input_malformed"
;; The input is parsed before the guest runs. A runtime that instantiates first and parses the
;; input when the guest asks for it (or after the call) answers timeout.
(module
  (memory (export "memory") 1)
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "yoi_tool_call")))
