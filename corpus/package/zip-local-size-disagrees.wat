;;! id = "package.zip-local-size-disagrees"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the manifest's local header declares 0 bytes, its central record the real size"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.toml"
;;! local_size = 0
;;! [expect]
;;! code = "package_invalid"
;; A streaming extractor reads an empty manifest, a central-directory reader the real one.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
