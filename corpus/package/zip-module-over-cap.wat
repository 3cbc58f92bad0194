;;! id = "package.zip-module-over-cap"
;;! guarantee = "PKG-10"
;;! since = "0.1.0"
;;! summary = "a stored zip whose module entry is one byte over module_bytes"
;;! separates_from = { module_bytes = 1024 }
;;! capabilities = ["package_zip"]
;;! [limits]
;;! module_bytes = 1024
;;! [package]
;;! pad_module_to = 1025
;;! [zip]
;;! [expect]
;;! code = "module_too_large"
;; The caps of a directory package hold for an archive: the module's size, taken from its entry,
;; over module_bytes is module_too_large before anything is compiled.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
