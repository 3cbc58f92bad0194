;;! id = "exports.missing-with-spinning-start"
;;! guarantee = "EXP-02"
;;! since = "0.1.0"
;;! summary = "no yoi_tool_call export, and a start function that loops forever"
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "export_missing"
;;! details = { export = "yoi_tool_call" }
;; The exports are checked from the module, before it is instantiated. A runtime that instantiates
;; first and looks the entry point up afterwards runs the start function and answers timeout.
(module
  (memory (export "memory") 1)
  (func $spin (loop $forever (br $forever)))
  (start $spin))
