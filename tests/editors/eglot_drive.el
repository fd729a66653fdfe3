;;; eglot_drive.el --- Emacs 30's eglot through the scenario of editor_helpers.py  -*- lexical-binding: t -*-
;; Run in tmux: emacs -nw -Q -l eglot_drive.el.  Writes what it saw to $REPORT.

(require 'eglot)
(require 'json)
(require 'flymake)
(require 'subr-x)

(defvar drive-root (file-name-as-directory (getenv "WORKSPACE")))
(defvar drive-report nil "An alist, written as JSON.")

(defun drive-put (key value) (push (cons key value) drive-report))

(defun drive-wait (what seconds predicate)
  (let ((deadline (+ (float-time) seconds)) result)
    (while (and (not (setq result (funcall predicate))) (< (float-time) deadline))
      ;; Idle, as a person's Emacs is between keys: idle timers run (eglot sends its
      ;; didChange after `eglot-send-changes-idle-time`), process output is read.
      (sit-for 1))
    (or result (error "Timed out waiting for %s" what))))

;; The person answers the review's message request "Accept all" (the editor's own
;; prompt, `completing-read`, is where they would type it).
(defvar drive-asked nil)
(advice-add 'completing-read :around
            (lambda (orig prompt collection &rest rest)
              (if (and (listp collection)
                       (or (member "Accept all" collection) (assoc "Accept all" collection)))
                  (progn (push prompt drive-asked) "Accept all")
                (apply orig prompt collection rest))))

(defun drive-finished (count)
  (>= (seq-count (lambda (file) (equal (alist-get 'state (json-read-file file)) "finished"))
                 (file-expand-wildcards (expand-file-name ".orchestra/runs/*/run.json" drive-root)))
      count))

(defun drive-line () (buffer-substring-no-properties (line-beginning-position) (line-end-position)))

;; The README's configuration, as written there.
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               '((text-mode markdown-mode python-mode) . ("orchestra" "serve"))))
;; A machine under load: the first requests wait for the engine to be built.
(setq eglot-confirm-server-edits nil
      jsonrpc-default-request-timeout 60)
(setq auto-mode-alist (cons '("\\.md\\'" . text-mode) auto-mode-alist))

(defun drive-open (relative)
  (find-file (expand-file-name relative drive-root))
  (eglot-ensure)
  (run-hooks 'post-command-hook)  ; eglot-ensure connects after the next command
  (drive-wait "eglot to manage the buffer" 30 #'eglot-managed-p))

(defun drive ()
  (let (steps)
    ;; 1. Diagnostics on a line with astral characters, and the quick fix.
    (drive-open ".orchestra/agents/emo.md")
    (let* ((diag (drive-wait "the diagnostic" 30
                             (lambda ()
                               (seq-find (lambda (d) (string-match-p "'edt'" (flymake-diagnostic-text d)))
                                         (flymake-diagnostics)))))
           (beg (flymake-diagnostic-beg diag))
           (end (flymake-diagnostic-end diag)))
      (drive-put 'diagnostic_text (buffer-substring-no-properties beg end))
      (push "diagnostic" steps)
      (goto-char beg)
      (let ((fix (seq-find (lambda (a) (equal (plist-get a :title) "Change to 'edit'"))
                           (eglot-code-actions beg end "quickfix"))))
        (unless fix (error "No quick fix offered"))
        (eglot-execute (eglot-current-server) fix))
      (goto-char beg)
      (drive-put 'fixed_line (drive-line))
      (push "quick fix" steps))
    ;; 2. Template completion with completion-at-point, as a person presses it.
    (drive-open ".orchestra/commands/two.md")
    (goto-char (point-min))
    (search-forward "{{steps.p")
    (let ((items (drive-wait "completion" 30
                             (lambda ()
                               (let ((capf (eglot-completion-at-point)))
                                 (and capf (all-completions "" (nth 2 capf))))))))
      (drive-put 'completion_labels (vconcat (mapcar #'substring-no-properties items))))
    ;; What a completion UI (the default one, company, corfu) does when the person
    ;; picks the item: insert it over the capf's bounds, then call its exit function,
    ;; where eglot applies the item's textEdit.
    (let* ((capf (eglot-completion-at-point))
           (table (nth 2 capf))
           (exit (plist-get (nthcdr 3 capf) :exit-function))
           (choice (seq-find (lambda (c) (equal (substring-no-properties c) "steps.plan.output"))
                             (all-completions "" table))))
      (delete-region (nth 0 capf) (nth 1 capf))
      (goto-char (nth 0 capf))
      (insert choice)
      (funcall exit choice 'finished))
    (drive-put 'completed_line (drive-line))
    (push "completion" steps)
    ;; 3. A command run from a code action ("arguments": {} comes back as null).
    (drive-open "app.py")
    (let ((hello (seq-find (lambda (a) (equal (plist-get a :title) "Orchestra: Say hello"))
                           (eglot-code-actions (point) (point)))))
      (unless hello (error "No command offered"))
      (eglot-execute (eglot-current-server) hello))
    (drive-wait "the run to finish" 60
                (lambda ()
                  (seq-some (lambda (file)
                              (equal (alist-get 'state (json-read-file file)) "finished"))
                            (file-expand-wildcards
                             (expand-file-name ".orchestra/runs/*/run.json" drive-root)))))
    (push "command run" steps)
    ;; 4. A review, through the message request, applied to the buffer.
    (let ((fix (seq-find (lambda (a) (equal (plist-get a :title) "Orchestra: Say hello in app.py"))
                         (eglot-code-actions (point-min) (point-min)))))
      (unless fix (error "No fix command offered"))
      (eglot-execute (eglot-current-server) fix))
    (drive-wait "the reviewed run to finish" 60 (lambda () (drive-finished 2)))
    (drive-put 'review_prompt (or (car drive-asked) ""))
    (goto-char (point-min))
    (drive-put 'reviewed_line (drive-line))
    (push "review" steps)
    (drive-put 'steps (vconcat (reverse steps)))))

(run-with-timer
 0.5 nil
 (lambda ()
   (condition-case err
       (drive)
     (error (drive-put 'error (format "%S" err))))
   (with-temp-file (getenv "REPORT")
     (insert (json-encode drive-report)))
   (kill-emacs 0)))
