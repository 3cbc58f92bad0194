;;! id = "package.zip-overlapping-entries"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "one entry's declared size covers the next entry's local header and data"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "notes.txt"
;;! text = "covers the next entry"
;;! swallow_next = true
;;! [expect]
;;! code = "package_invalid"
;; Every header agrees with every other and every CRC matches; only the spans overlap, so one region
;; of the archive is two files. A reader that checks bounds but not overlaps loads the package.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
