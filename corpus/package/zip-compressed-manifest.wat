;;! id = "package.zip-compressed-manifest"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "plugin.toml is marked bzip2-compressed (method 12) though its bytes are stored"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.toml"
;;! method = 12
;;! [expect]
;;! code = "package_invalid"
;; The method is checked on every entry, not only the module's.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
