;;! id = "package.manifest-broken-toml"
;;! guarantee = "PKG-03"
;;! since = "0.1.0"
;;! summary = "plugin.toml ends in an unterminated table header"
;;! [package]
;;! manifest_append = "\n[[tools\nname = \"broken\"\n"
;;! [expect]
;;! code = "manifest_invalid"
;; A TOML syntax error after an otherwise valid manifest. A lenient reader that stops at the first
;; error would load the package; it must be manifest_invalid.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
