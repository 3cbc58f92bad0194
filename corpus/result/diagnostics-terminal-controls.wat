;;! id = "result.diagnostics-terminal-controls"
;;! guarantee = "RES-05"
;;! since = "0.1.0"
;;! summary = "diagnostics full of terminal escapes, a carriage return and bidirectional overrides"
;;! capabilities = ["diagnostics"]
;;! [expect]
;;! output = { summary = "diagnostics written" }
;;! diagnostics = "[2J]0;ownedok\n\tline two"
;;! min_host_calls = { diagnostic_write = 1 }
;; Diagnostics reach an operator's terminal or log viewer. Newlines and tabs stay; escapes, bells,
;; carriage returns and bidirectional formatting characters are removed, as in error messages.
(module
  (import "yoi:tool" "diagnostic_write" (func $diagnostic_write (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write"     (func $output_write     (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; ESC [2J, ESC ]0;owned BEL, "ok", CR, U+202E, LF, TAB, "line two", U+2066 (33 bytes).
  (data (i32.const 0) "\1b[2J\1b]0;owned\07ok\0d\e2\80\ae\0a\09line two\e2\81\a6")
  (data (i32.const 128) "{\"summary\":\"diagnostics written\"}")
  (func (export "yoi_tool_call")
    (drop (call $diagnostic_write (i32.const 0) (i32.const 33)))
    (drop (call $output_write (i32.const 128) (i32.const 33)))))
