;;! id = "package.empty-module"
;;! guarantee = "PKG-07"
;;! since = "0.1.0"
;;! summary = "the module file exists but is empty"
;;! [package]
;;! raw_module_hex = ""
;;! [expect]
;;! code = "module_invalid"
;; Zero bytes are not a WebAssembly module (no magic, no version): module_invalid, not
;; module_missing and not a crash.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
