;;! id = "package.tool-name-host-rule-at-cap"
;;! guarantee = "PKG-12"
;;! since = "0.1.0"
;;! summary = "a tool named by 42 katakana and two letters: 128 bytes, 44 characters"
;;! capabilities = ["host_manifest"]
;;! tool = "ツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツxx"
;;! [package]
;;! tools = ["ツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツxx"]
;;! [expect]
;;! output = { summary = "loaded and ran" }
;; The host's rule: up to 128 bytes of anything but whitespace and control characters. Counted in
;; bytes: this is the cap itself.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
