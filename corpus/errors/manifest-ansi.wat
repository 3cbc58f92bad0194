;;! id = "errors.manifest-ansi"
;;! guarantee = "ERR-01"
;;! since = "0.1.0"
;;! summary = "a broken plugin.toml whose bad lines carry ANSI escapes and a bell"
;;! [limits]
;;! message_bytes = 100
;;! [package]
;;! manifest_replace = "schema_version = 1\nid = \"\u001b[2J\u001b[31mowned\u001b[0m\"\n[runtime\u0007\nkind = \"wasm\"\n"
;;! [expect]
;;! code = "manifest_invalid"
;; TOML parsers quote the offending line in their errors; here that line holds raw escape bytes. The
;; answer is manifest_invalid with a clean, bounded message (message_bytes = 100 makes the bound
;; tight).
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the manifest were accepted.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
