;;! id = "errors.message-cap-override"
;;! guarantee = "ERR-01"
;;! since = "0.1.0"
;;! summary = "message_bytes = 40 and a call of an unknown 200-byte tool name"
;;! tool = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
;;! [limits]
;;! message_bytes = 40
;;! [package]
;;! tools = ["run"]
;;! [expect]
;;! code = "tool_unknown"
;; The message cap is a limit like the others: configurable per call. The universal checks hold
;; this error's message to the 40 bytes of the override; a runtime that always cuts at the default
;; 512 bytes (or not at all) fails them, since the message quotes the 200-byte name.
(module
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")))
