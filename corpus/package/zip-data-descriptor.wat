;;! id = "package.zip-data-descriptor"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the manifest entry has the data-descriptor flag (bit 3) set"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.toml"
;;! flags = 8
;;! [expect]
;;! code = "package_invalid"
;; With a data descriptor the local header's sizes are not the entry's: outside the profile.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
