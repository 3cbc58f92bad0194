;;! id = "errors.import-name-bidi-overrides-and-long"
;;! guarantee = "ERR-03"
;;! since = "0.1.0"
;;! summary = "denied imports whose names hold bidirectional overrides, one name 300 bytes long"
;;! [expect]
;;! code = "import_denied"
;;! details = { count = 3 }
;; Guest-chosen names reach details.imports and the message. U+202E (right-to-left override) and
;; U+2066 (left-to-right isolate) make text display differently from what it says, and a 300-byte
;; name is over the 256-byte bound of a details string: the kit's universal checks fail a runtime
;; that passes any of them through unchanged. How a runtime cleans them (removed, replaced, cut) is
;; its own choice, so details.imports is not pinned.
(module
  (import "env" "run\e2\80\aeexe.txt" (func))
  (import "env\e2\81\a6" "isolate\e2\81\a9" (func))
  (import "env" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" (func))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")))
