;;! id = "package.zip-declared-size-bomb"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the manifest entry declares 1 MiB (both headers) but holds a few hundred bytes"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.toml"
;;! size = 1048576
;;! [expect]
;;! code = "package_invalid"
;; A declared size is believed only where the bytes are there: the entry would run through the next
;; entry and the central directory. A reader that allocates or reads by the declared size is a zip
;; bomb's target.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
