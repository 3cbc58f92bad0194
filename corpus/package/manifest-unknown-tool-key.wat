;;! id = "package.manifest-unknown-tool-key"
;;! guarantee = "PKG-03"
;;! since = "0.1.0"
;;! summary = "the tool declaration carries an unknown key timeout_ms = 600000"
;;! [package]
;;! manifest_append = "timeout_ms = 600000\n"
;;! [expect]
;;! code = "manifest_invalid"
;; The appended line lands in the last [[tools]] table: an unknown key at the second level. A
;; runtime that validates only the top level would accept it (and a host might even honour the
;; bigger timeout); it must be manifest_invalid.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
