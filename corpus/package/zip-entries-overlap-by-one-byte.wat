;;! id = "package.zip-entries-overlap-by-one-byte"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "one entry's declared size covers the first byte of the next entry's local header"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "notes.txt"
;;! text = "ends one byte into the next entry"
;;! swallow_next_bytes = 1
;;! [expect]
;;! code = "package_invalid"
;; Every header agrees and every CRC matches; the spans of notes.txt and plugin.toml share exactly
;; one byte (the `P` of the next local header's signature). A reader that compares spans as
;; inclusive ranges with one `<` too few (last byte of one against first byte of the next) sees them
;; touch, not overlap, and loads the package.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
