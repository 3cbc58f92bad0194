;;! id = "input.over-cap-with-spinning-start"
;;! guarantee = "IN-01"
;;! since = "0.1.0"
;;! summary = "input_bytes = 64, a 65-byte input, and a start function that loops forever"
;;! input_size = 65
;;! [limits]
;;! input_bytes = 64
;;! deadline_ms = 50
;;! [expect]
;;! code = "input_too_large"
;; The input is checked before the guest is instantiated. A runtime that instantiates first (and so
;; runs the start function) and checks the input afterwards answers timeout.
(module
  (memory (export "memory") 1)
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "yoi_tool_call")))
