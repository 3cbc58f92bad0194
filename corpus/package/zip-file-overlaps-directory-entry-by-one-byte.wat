;;! id = "package.zip-file-overlaps-directory-entry-by-one-byte"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "a file entry's declared size covers the first byte of the directory entry after it"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "a.txt"
;;! text = "ends one byte into the directory entry b/"
;;! swallow_next_bytes = 1
;;! [[zip.entry]]
;;! name = "b/"
;;! [expect]
;;! code = "package_invalid"
;; The same one shared byte as package.zip-entries-overlap-by-one-byte, where the entry overlapped
;; is a directory entry (no data, never hashed): its span counts in the tiling like a file's.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
