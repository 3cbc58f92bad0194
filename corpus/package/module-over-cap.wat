;;! id = "package.module-over-cap"
;;! guarantee = "PKG-06"
;;! since = "0.1.0"
;;! summary = "a 4097-byte module against module_bytes = 4096"
;;! separates_from = { module_bytes = 4096 }
;;! [limits]
;;! module_bytes = 4096
;;! [package]
;;! pad_module_to = 4097
;;! [expect]
;;! code = "module_too_large"
;; The module is padded with a custom section to one byte over the configured cap. It is otherwise
;; valid and would run.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
