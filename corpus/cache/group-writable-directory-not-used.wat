;;! id = "cache.group-writable-directory-not-used"
;;! guarantee = "CACHE-02"
;;! since = "0.1.0"
;;! summary = "the cache directory is writable by its group (mode 0770)"
;;! capabilities = ["disk_cache"]
;;! [disk_cache]
;;! attack = "group_writable_dir"
;;! [expect]
;;! output = { summary = "compiled from the package" }
;; The kit makes the private cache directory group-writable before any request (docs/CASES.md,
;; `[disk_cache]`). A group member can then rename, replace or remove entries: the runtime must
;; not use the directory at all, so the warm-up load writes nothing into it, and the call is
;; still answered from the package. A runtime that refuses only world-writable directories
;; (mode 0777) writes its entry there.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"compiled from the package\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 39)))))
