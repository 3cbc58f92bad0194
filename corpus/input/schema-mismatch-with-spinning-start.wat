;;! id = "input.schema-mismatch-with-spinning-start"
;;! guarantee = "IN-04"
;;! since = "0.1.0"
;;! summary = "an input that breaks the schema, and a start function that loops forever"
;;! input = '{"count":"three"}'
;;! input_schema = '{"type":"object","properties":{"count":{"type":"integer"}}}'
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "input_schema_mismatch"
;; The schema is checked before the guest runs. A runtime that validates lazily, after
;; instantiation, answers timeout.
(module
  (memory (export "memory") 1)
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "yoi_tool_call")))
