/* The self-report form's script (kok form), inlined into the page.

   It reads and writes the inputs' values, validates each value as the
   applicant types against the JSON Schema embedded in the page (the one
   `kok schema` writes), with the self-report diagnostics' own messages, and
   saves or opens a self-report. It never evaluates a requirement: the
   assessment is made by `kok run`, with the same rulebook. It does evaluate
   the rulebook's plausibility rules (rimlighet), to warn as the applicant
   types that figures contradict each other. */
(function () {
  'use strict';

  const DATA = JSON.parse(document.getElementById('kok-form-data').textContent);
  const WORDS = DATA.words;
  const ACCEPTS = DATA.accepts;
  const form = document.getElementById('kok-form');
  const statusLine = document.getElementById('status');

  // -- messages: the catalogue's own texts, embedded by kok form -----------

  function say(code, params) {
    params = params || {};
    return DATA.messages[code].replace(/\{(\w+)\}/g, (all, key) => (key in params ? String(params[key]) : all));
  }

  // A value as the diagnostics quote it: text in quotes, cut at 60 characters.
  function shown(value) {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    const text = JSON.stringify(value);
    return text.length <= 60 ? text : text.slice(0, 59) + '…';
  }

  function problem(code, params) {
    return { code: code, params: params };
  }

  function invalid(raw, expected) {
    return problem('data.invalid', { value: shown(raw), expected: expected });
  }

  // -- the JSON Schema subset kok schema writes ------------------------------

  function resolve(ref) {
    return ref.replace(/^#\//, '').split('/').reduce((node, key) => node[key], DATA.schema);
  }

  function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }

  function hasType(type, value) {
    switch (type) {
      case 'null': return value === null;
      case 'boolean': return typeof value === 'boolean';
      case 'integer': return Number.isInteger(value);
      case 'number': return typeof value === 'number' && Number.isFinite(value);
      case 'string': return typeof value === 'string';
      case 'array': return Array.isArray(value);
      case 'object': return isObject(value);
      default: return false;
    }
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function conforms(schema, value) {
    if (schema === undefined || schema === true) return true;
    if (schema.$ref) return conforms(resolve(schema.$ref), value);
    if (schema.anyOf && !schema.anyOf.some((s) => conforms(s, value))) return false;
    if ('const' in schema && !same(schema.const, value)) return false;
    if (schema.enum && !schema.enum.some((e) => same(e, value))) return false;
    if (schema.type && ![].concat(schema.type).some((t) => hasType(t, value))) return false;
    if (typeof value === 'string' && schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) return false;
    if (typeof value === 'number') {
      if (schema.minimum !== undefined && value < schema.minimum) return false;
      if (schema.maximum !== undefined && value > schema.maximum) return false;
    }
    if (Array.isArray(value)) {
      if (schema.minItems !== undefined && value.length < schema.minItems) return false;
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return false;
      if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) return false;
      if (schema.items && !value.every((v) => conforms(schema.items, v))) return false;
    }
    if (isObject(value)) {
      const keys = Object.keys(value);
      if (schema.minProperties !== undefined && keys.length < schema.minProperties) return false;
      if (schema.required && !schema.required.every((k) => k in value)) return false;
      if (schema.propertyNames && !keys.every((k) => conforms(schema.propertyNames, k))) return false;
      const properties = schema.properties || {};
      for (const key of keys) {
        if (key in properties) {
          if (!conforms(properties[key], value[key])) return false;
        } else if (schema.additionalProperties === false) {
          return false;
        } else if (isObject(schema.additionalProperties) && !conforms(schema.additionalProperties, value[key])) {
          return false;
        }
      }
    }
    return true;
  }

  // -- numbers, as people write them ("6 500", "2,5", "25 %") ----------------

  // A space, also a no-break space, groups thousands (as the loader reads it).
  const GROUPING = /(?<=\d)[\s\u00a0\u202f](?=\d{3}\b)/g;

  function numberText(text) {
    const cleaned = text.trim().replace(GROUPING, '');
    return /^[+-]?\d+(?:[.,]\d+)?$/.test(cleaned) ? cleaned.replace(',', '.') : null;
  }

  function parseNumber(kind, raw, expected) {
    const text = raw.trim();
    if (text === '') return null;
    if (kind === 'percent') {
      const number = numberText(text.replace(/%$/, ''));
      if (number === null || Number(number) < 0 || Number(number) > 100) throw invalid(raw, expected);
      const written = number.replace(/^\+/, '').replace(/^-(?=0*(\.0*)?$)/, '');
      return (DATA.lang === 'sv' ? written.replace('.', ',') : written) + ' %';
    }
    const number = numberText(text);
    if (number === null) throw invalid(raw, expected);
    const value = Number(number);
    if (Math.abs(value) > 1e15) throw problem('data.out_of_range', { value: shown(raw), limit: '10^15' });
    if (kind === 'integer') {
      if (!Number.isInteger(value)) throw invalid(raw, expected);
      if (value < 0) throw problem('data.negative', { value: shown(raw), expected: expected });
      // Beyond what a double holds exactly, keep the digits as text.
      return Number.isSafeInteger(value) ? value : number.replace(/^\+/, '').replace(/\.0+$/, '');
    }
    // A decimal stays a number unless that would round it.
    return String(value) === number.replace(/^\+/, '') ? value : number;
  }

  // A number as digits, never in exponent form (1e-7 is 0.0000001).
  function plainNumber(value) {
    return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
  }

  // -- weekly schedules -------------------------------------------------------

  const MINUTES_PER_DAY = 1440;
  const DASH = /\s*[-\u2013\u2014]\s*/;

  function canonicalText(text) {
    return text.normalize('NFC').toLowerCase().split(/\s+/).filter(Boolean).join(' ');
  }

  function parseTime(text, isEnd) {
    const match = /^([0-9]{1,2})(?:[:.]([0-9]{2}))?$/.exec(text);
    if (!match) throw problem('data.schedule.bad_time', { value: shown(text) });
    const hour = Number(match[1]);
    const minute = Number(match[2] || 0);
    if (minute > 59 || hour > 24 || (hour === 24 && (minute !== 0 || !isEnd))) {
      throw problem('data.schedule.bad_time', { value: shown(text) });
    }
    return hour * 60 + minute;
  }

  // Minutes of the day [start, end); an end at or before the start runs past midnight.
  function parseInterval(raw) {
    const text = canonicalText(raw);
    if (ACCEPTS.whole_day.includes(text)) return [0, MINUTES_PER_DAY];
    const parts = text.split(DASH);
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw problem('data.schedule.bad_interval', { value: shown(raw) });
    const start = parseTime(parts[0], false);
    let end = parseTime(parts[1], true);
    if (end <= start) end += MINUTES_PER_DAY;
    return [start, end];
  }

  function clock(minutes) {
    const pad = (n) => String(n).padStart(2, '0');
    return pad(Math.floor(minutes / 60)) + ':' + pad(minutes % 60);
  }

  function intervalText(interval) {
    const [start, end] = interval;
    return clock(start) + '-' + (end > MINUTES_PER_DAY ? clock(end - MINUTES_PER_DAY) : clock(end));
  }

  function dayIndex(text) {
    for (const names of ACCEPTS.weekdays.concat(ACCEPTS.day_abbreviations)) {
      const index = names.indexOf(text);
      if (index >= 0) return index;
    }
    return -1;
  }

  // Weekday indexes (Monday = 0) named by a key such as "måndag-fredag" or "helger".
  function parseDaySpec(key) {
    const text = canonicalText(key);
    if (dayIndex(text) >= 0) return [dayIndex(text)];
    if (text in ACCEPTS.day_groups) return ACCEPTS.day_groups[text];
    const parts = text.split(DASH);
    if (parts.length === 2 && dayIndex(parts[0]) >= 0 && dayIndex(parts[1]) >= 0) {
      const first = dayIndex(parts[0]);
      const length = ((dayIndex(parts[1]) - first + 7) % 7) + 1;
      return Array.from({ length: length }, (_, offset) => (first + offset) % 7);
    }
    throw problem('data.schedule.bad_day', { value: shown(key) });
  }

  // Minutes per week covered, counting overlaps and overnight spill once.
  function weekMinutes(days) {
    const pieces = [];
    days.forEach((intervals, day) => {
      for (const [start, end] of intervals) {
        const from = day * MINUTES_PER_DAY + start;
        const to = day * MINUTES_PER_DAY + end;
        const week = 7 * MINUTES_PER_DAY;
        if (to > week) {
          pieces.push([from, week], [0, to - week]);
        } else {
          pieces.push([from, to]);
        }
      }
    });
    pieces.sort((a, b) => a[0] - b[0]);
    let total = 0;
    let reach = -1;
    for (const [start, end] of pieces) {
      if (end <= reach) continue;
      total += end - Math.max(start, reach);
      reach = end;
    }
    return total;
  }

  function formatHours(minutes) {
    const hours = Math.round((minutes / 60) * 100) / 100;
    const text = String(hours);
    return (DATA.lang === 'sv' ? text.replace('.', ',') : text) + ' h';
  }

  let uniqueNumber = 0;

  function addInterval(row, text) {
    const box = row.querySelector('.intervals');
    const day = box.dataset.dayName;
    const schedule = row.closest('.schedule');
    const number = box.children.length + 1;
    const id = schedule.id + '-t' + ++uniqueNumber;
    const label = say('form.interval', { day: day, number: number });
    const wrapper = document.createElement('span');
    wrapper.className = 'interval';
    const input = document.createElement('input');
    input.type = 'text';
    input.className = 'interval-text';
    input.id = id;
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.setAttribute('aria-label', label);
    input.setAttribute('aria-describedby', schedule.id + '-err');
    input.value = text || '';
    const overnight = document.createElement('span');
    overnight.className = 'overnight';
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'remove-interval';
    remove.textContent = '×';
    remove.setAttribute('aria-label', say('form.remove_interval', { label: label }));
    remove.addEventListener('click', () => {
      wrapper.remove();
      if (!box.children.length) addInterval(row, '');
      changed(schedule);
    });
    wrapper.append(input, overnight, remove);
    box.append(wrapper);
    return input;
  }

  function scheduleRows(el) {
    return Array.from(el.querySelectorAll('tbody tr[data-day]'));
  }

  function setClosed(row, closed) {
    row.querySelector('.closed-day').checked = closed;
    for (const control of row.querySelectorAll('.interval-text, .remove-interval, .add-interval')) {
      control.disabled = closed;
    }
  }

  function clearSchedule(el) {
    for (const row of scheduleRows(el)) {
      row.querySelector('.intervals').replaceChildren();
      addInterval(row, '');
      setClosed(row, false);
    }
  }

  // The week as the editor holds it: per day, closed or its interval texts.
  function readDays(el) {
    const problems = [];
    const days = scheduleRows(el).map((row) => {
      const closed = row.querySelector('.closed-day').checked;
      const intervals = [];
      for (const input of row.querySelectorAll('.interval-text')) {
        const mark = input.parentElement.querySelector('.overnight');
        mark.textContent = '';
        input.removeAttribute('aria-invalid');
        if (closed || !input.value.trim()) continue;
        try {
          const interval = parseInterval(input.value);
          if (interval[1] > MINUTES_PER_DAY) mark.textContent = say('form.overnight');
          intervals.push(interval);
        } catch (found) {
          input.setAttribute('aria-invalid', 'true');
          problems.push(found);
        }
      }
      return { closed: closed, intervals: intervals };
    });
    return { days: days, problems: problems };
  }

  function readSchedule(el) {
    const { days, problems } = readDays(el);
    el.querySelector('.hours').textContent =
      say('form.hours_per_week', { hours: formatHours(weekMinutes(days.map((d) => d.intervals))) });
    if (problems.length) return { value: null, problems: problems };
    if (!days.some((d) => d.closed || d.intervals.length)) return { value: null, problems: [] };
    const texts = days.map((d) => (d.closed ? WORDS.closed : d.intervals.map(intervalText)));
    if (texts.every((t) => Array.isArray(t) && t.length === 1 && t[0] === '00:00-24:00')) {
      return { value: WORDS.around_the_clock, problems: [] };
    }
    // Runs of days with the same times become one key: "måndag-fredag".
    const value = {};
    let first = 0;
    for (let day = 1; day <= 7; day++) {
      if (day < 7 && same(texts[day], texts[first])) continue;
      const times = texts[first];
      if (times === WORDS.closed || times.length) {
        const key = first === day - 1 ? WORDS.weekdays[first] : WORDS.weekdays[first] + '-' + WORDS.weekdays[day - 1];
        value[key] = times === WORDS.closed || times.length > 1 ? times : times[0];
      }
      first = day;
    }
    return { value: value, problems: [] };
  }

  function writeSchedule(el, raw) {
    clearSchedule(el);
    if (raw === null || raw === undefined) return [];
    const rows = scheduleRows(el);
    const times = rows.map(() => []);
    const closed = rows.map(() => false);
    if (typeof raw === 'string' && ACCEPTS.whole_week.includes(canonicalText(raw))) {
      times.forEach((t) => t.push('00:00-24:00'));
    } else if (!isObject(raw)) {
      return [problem('data.schedule.not_mapping', { value: shown(raw) })];
    } else {
      const problems = [];
      for (const [key, dayValue] of Object.entries(raw)) {
        let days;
        try {
          days = parseDaySpec(key);
        } catch (found) {
          problems.push(found);
          continue;
        }
        const values = dayValue === null ? [] : [].concat(dayValue);
        for (const day of days) {
          for (const item of values) {
            if (typeof item === 'string' && ACCEPTS.closed.includes(canonicalText(item)) && !Array.isArray(dayValue)) {
              closed[day] = true;
            } else if (typeof item !== 'string') {
              problems.push(problem('data.schedule.bad_interval', { value: shown(String(item)) }));
            } else {
              times[day].push(item);
            }
          }
          if (dayValue === null) closed[day] = true;
        }
      }
      if (problems.length) {
        fillDays(rows, times, closed);
        return problems;
      }
    }
    fillDays(rows, times, closed);
    return [];
  }

  function fillDays(rows, times, closed) {
    rows.forEach((row, day) => {
      if (times[day].length) {
        row.querySelector('.intervals').replaceChildren();
        for (const text of times[day]) {
          let written = text;
          try {
            written = intervalText(parseInterval(text));
          } catch (found) {
            // Kept as written: validation shows what is wrong with it.
          }
          addInterval(row, written);
        }
      } else if (closed[day]) {
        setClosed(row, true);
      }
    });
  }

  function copyMonday(el) {
    const [monday, ...rest] = scheduleRows(el);
    const texts = Array.from(monday.querySelectorAll('.interval-text')).map((i) => i.value);
    const closed = monday.querySelector('.closed-day').checked;
    for (const row of rest.slice(0, 4)) {
      row.querySelector('.intervals').replaceChildren();
      for (const text of texts) addInterval(row, text);
      setClosed(row, closed);
    }
    changed(el);
  }

  // -- lists of records -------------------------------------------------------

  function listRows(el) {
    return Array.from(el.querySelector('.rows').children);
  }

  function renumberRows(el) {
    const record = el.dataset.record;
    listRows(el).forEach((row, index) => {
      const name = say('form.row', { record: record, number: index + 1 });
      row.querySelector('.row-legend').textContent = name;
      row.querySelector('.remove-row').textContent = say('form.remove_row', { row: name });
    });
    const none = el.querySelector('.no-rows');
    none.hidden = listRows(el).length > 0;
    if (!none.hidden) return;
    el.querySelector('.no-rows-box').checked = false;
  }

  function addRow(el) {
    const copy = el.querySelector('template.row-template').content.firstElementChild.cloneNode(true);
    const number = ++uniqueNumber;
    for (const node of copy.querySelectorAll('*')) {
      for (const attribute of ['id', 'for', 'name', 'aria-describedby']) {
        const value = node.getAttribute(attribute);
        if (value && value.includes('__ROW__')) node.setAttribute(attribute, value.split('__ROW__').join(String(number)));
      }
    }
    copy.querySelector('.remove-row').addEventListener('click', () => {
      copy.remove();
      renumberRows(el);
      changed(el);
      el.querySelector('.add-row').focus();
    });
    el.querySelector('.rows').append(copy);
    for (const schedule of copy.querySelectorAll('.schedule')) setUpSchedule(schedule);
    renumberRows(el);
    return copy;
  }

  function fieldWidget(row, name) {
    return row.querySelector(`.field[data-field="${CSS.escape(name)}"] > .kok-value, ` +
                            `.field[data-field="${CSS.escape(name)}"] > .single > .kok-value, ` +
                            `.field[data-field="${CSS.escape(name)}"] .number > .kok-value`);
  }

  function readList(el, spec) {
    const rows = listRows(el);
    if (!rows.length) return { value: el.querySelector('.no-rows-box').checked ? [] : null, problems: [] };
    const problems = [];
    const value = rows.map((row) => {
      const record = {};
      for (const [name, field] of Object.entries(spec.fields)) {
        const read = readWidget(fieldWidget(row, name), field);
        problems.push(...read.problems);
        if (read.value !== null || field.required) record[name] = read.value;
      }
      return record;
    });
    return { value: value, problems: problems };
  }

  function writeList(el, raw, spec) {
    el.querySelector('.rows').replaceChildren();
    el.querySelector('.no-rows-box').checked = Array.isArray(raw) && raw.length === 0;
    renumberRows(el);
    el.querySelector('.no-rows-box').checked = Array.isArray(raw) && raw.length === 0;
    if (raw === null || raw === undefined) return [];
    if (!Array.isArray(raw)) return [invalid(raw, DATA.expected[el.closest('[data-fact]').dataset.fact])];
    const problems = [];
    for (const element of raw) {
      const row = addRow(el);
      const values = isObject(element) ? element : {};
      if (!isObject(element)) problems.push(invalid(element, DATA.expected[spec.record + '.' + Object.keys(spec.fields)[0]]));
      for (const [name, field] of Object.entries(spec.fields)) {
        const widget = fieldWidget(row, name);
        const found = writeWidget(widget, name in values ? values[name] : null, field);
        showProblems(widget, found);
      }
      const unknown = Object.keys(values).filter((k) => !(k in spec.fields));
      if (unknown.length) problems.push(...unknown.map((k) => problem('data.unknown_key', { key: k })));
    }
    return problems;
  }

  // -- one value of any kind ------------------------------------------------

  function yesNo(raw) {
    if (typeof raw === 'boolean') return raw;
    if (typeof raw === 'string') {
      const word = raw.trim().toLowerCase();
      if (ACCEPTS.yes.includes(word)) return true;
      if (ACCEPTS.no.includes(word)) return false;
    }
    return undefined;
  }

  function expectedFor(el) {
    const field = el.closest('.field');
    if (field) return DATA.expected[el.closest('.list').dataset.recordName + '.' + field.dataset.field];
    const fact = el.closest('[data-fact]');
    return fact ? DATA.expected[fact.dataset.fact] : '';
  }

  // A set's value boxes, without its "none of these" box.
  function setBoxes(el) {
    return Array.from(el.querySelectorAll('input[type=checkbox]:not(.none-of-box)'));
  }

  function readWidget(el, spec) {
    const kind = el.dataset.kind;
    try {
      switch (kind) {
        case 'bool': {
          const checked = el.querySelector('input:checked');
          return { value: checked ? (checked.value === 'yes' ? WORDS.yes : WORDS.no) : null, problems: [] };
        }
        case 'set': {
          const boxes = setBoxes(el);
          const answered = el.querySelector('.none-of-box').checked || boxes.some((b) => b.checked);
          return { value: answered ? boxes.filter((b) => b.checked).map((b) => b.value) : null, problems: [] };
        }
        case 'schedule': return readSchedule(el);
        case 'list': return readList(el, spec);
        case 'integer': case 'decimal': case 'percent':
          return { value: parseNumber(kind, el.value, expectedFor(el)), problems: [] };
        case 'text': {
          const text = el.value.trim();
          return { value: text === '' ? null : text, problems: [] };
        }
        default:
          return { value: el.value === '' ? null : el.value, problems: [] };
      }
    } catch (found) {
      if (found instanceof Error) throw found;
      return { value: null, problems: [found] };
    }
  }

  // Puts a value from an opened file into the input; what cannot be shown
  // there comes back as problems.
  function writeWidget(el, raw, spec) {
    const kind = el.dataset.kind;
    const missing = raw === null || raw === undefined;
    switch (kind) {
      case 'bool': {
        const value = missing ? undefined : yesNo(raw);
        for (const radio of el.querySelectorAll('input')) radio.checked = value !== undefined && (radio.value === 'yes') === value;
        return !missing && value === undefined ? [invalid(raw, expectedFor(el))] : [];
      }
      case 'set': {
        const items = missing ? [] : typeof raw === 'string' ? raw.split(/\s*,\s*/).filter(Boolean) : raw;
        el.querySelector('.none-of-box').checked = Array.isArray(items) && !missing && items.length === 0;
        if (!Array.isArray(items)) return [invalid(raw, expectedFor(el))];
        const boxes = setBoxes(el);
        const wanted = items.map((item) => (typeof item === 'string' ? item.trim().toLowerCase() : item));
        for (const box of boxes) box.checked = wanted.includes(box.value.toLowerCase());
        const unknown = items.filter((item, i) => !boxes.some((b) => b.value.toLowerCase() === wanted[i]));
        return unknown.length ? [invalid(raw, expectedFor(el))] : [];
      }
      case 'schedule': return writeSchedule(el, raw);
      case 'list': return writeList(el, raw, spec);
      case 'enum': {
        const option = missing ? null : Array.from(el.options).find((o) => o.value && typeof raw === 'string' &&
                                                                             o.value.toLowerCase() === raw.trim().toLowerCase());
        el.value = option ? option.value : '';
        return !missing && !option ? [invalid(raw, expectedFor(el))] : [];
      }
      case 'date':
        el.value = missing ? '' : String(raw).trim();
        return !missing && el.value !== String(raw).trim() ? [invalid(raw, expectedFor(el))] : [];
      default:
        el.value = missing ? '' : typeof raw === 'object' ? JSON.stringify(raw) : typeof raw === 'number' ? plainNumber(raw) : String(raw);
        return [];
    }
  }

  // -- validation as the applicant types ---------------------------------------

  function schemaFor(el) {
    const field = el.closest('.field');
    const fact = el.closest('[data-fact]');
    if (!fact) return undefined;
    if (field) {
      const record = DATA.facts[fact.dataset.fact].record;
      return DATA.schema.$defs[record].properties[field.dataset.field];
    }
    return DATA.schema.properties[fact.dataset.fact];
  }

  function showProblems(el, problems) {
    const box = document.getElementById(el.id + '-err');
    if (!box) return;
    box.textContent = problems.map((p) => say(p.code, p.params)).join(' ');
    const controls = el.matches('input, select') ? [el] : Array.from(el.querySelectorAll(':scope > .options input'));
    for (const control of controls) {
      if (problems.length) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    }
    el.classList.toggle('has-error', problems.length > 0);
  }

  // Reads one input, checks the value against its part of the schema and
  // shows what is wrong; returns the value and its problems.
  function check(el, spec) {
    const read = readWidget(el, spec);
    let problems = read.problems;
    if (el.dataset.kind === 'list') {
      for (const row of listRows(el)) {
        for (const [name, field] of Object.entries(spec.fields)) check(fieldWidget(row, name), field);
      }
      problems = [];
    } else if (!problems.length && read.value !== null && !conforms(schemaFor(el), read.value)) {
      problems = [invalid(read.value, expectedFor(el))];
    }
    showProblems(el, problems);
    return { value: read.value, problems: read.problems.length ? read.problems : problems };
  }

  function factWidget(factEl) {
    return factEl.querySelector(':scope > .kok-value, :scope > .single > .kok-value, :scope > .single .number > .kok-value');
  }

  function changed(target) {
    const field = target.closest('.field');
    if (field) {
      const fact = field.closest('[data-fact]').dataset.fact;
      const widget = fieldWidget(field.closest('[data-row]'), field.dataset.field);
      check(widget, DATA.facts[fact].fields[field.dataset.field]);
      return;
    }
    const factEl = target.closest('[data-fact]');
    if (factEl) check(factWidget(factEl), DATA.facts[factEl.dataset.fact]);
  }

  // -- plausibility rules (rimlighet): figures that contradict each other ------
  // Three-valued, as kok run evaluates them: null is unknown, and only a
  // condition that is false is a contradiction.

  function typedValue(kind, value) {
    if (value === null || value === undefined) return null;
    switch (kind) {
      case 'integer': case 'decimal': {
        const number = typeof value === 'number' ? value : Number(value);
        return Number.isFinite(number) ? number : null;
      }
      case 'percent': {
        const number = numberText(String(value).replace(/%\s*$/, ''));
        return number === null ? null : Number(number) / 100;
      }
      case 'bool': {
        const answer = yesNo(value);
        return answer === undefined ? null : answer;
      }
      case 'text': case 'enum': return String(value);
      default: return null;  // a kind no rule in the form reads
    }
  }

  function currentFacts() {
    const facts = {};
    for (const [name, spec] of Object.entries(DATA.facts)) {
      const factEl = form.querySelector(`[data-fact="${CSS.escape(name)}"]`);
      const value = factEl ? readWidget(factWidget(factEl), spec).value : null;
      if (spec.kind !== 'list') {
        facts[name] = typedValue(spec.kind, value);
      } else {
        facts[name] = Array.isArray(value) ? value.map((record) => Object.fromEntries(
          Object.entries(spec.fields).map(([field, fieldSpec]) => [field, typedValue(fieldSpec.kind, record[field])]))) : null;
      }
    }
    return facts;
  }

  function and3(a, b) {
    if (a === false || b === false) return false;
    return a === null || b === null ? null : true;
  }

  function or3(a, b) {
    if (a === true || b === true) return true;
    return a === null || b === null ? null : false;
  }

  function compare(op, l, r) {
    if (l === null || r === null) return null;
    if (typeof l === 'string' && typeof r === 'string') { l = l.toLowerCase(); r = r.toLowerCase(); }
    switch (op) {
      case '=': return l === r;
      case '!=': return l !== r;
      case '<': return l < r;
      case '<=': return l <= r;
      case '>': return l > r;
      default: return l >= r;
    }
  }

  function evaluate(node, env) {
    switch (node.t) {
      case 'lit': return node.v;
      case 'fact': return node.name in env.facts ? env.facts[node.name] : null;
      case 'var': return env.vars[node.name];
      case 'field': {
        const of = evaluate(node.of, env);
        return of === null || of[node.name] === undefined ? null : of[node.name];
      }
      case 'arith': {
        const l = evaluate(node.l, env);
        const r = evaluate(node.r, env);
        if (l === null || r === null) return null;
        if (node.op === '+') return l + r;
        if (node.op === '-') return l - r;
        if (node.op === '*') return l * r;
        return r === 0 ? null : l / r;
      }
      case 'cmp': return compare(node.op, evaluate(node.l, env), evaluate(node.r, env));
      case 'and': return and3(evaluate(node.l, env), evaluate(node.r, env));
      case 'or': return or3(evaluate(node.l, env), evaluate(node.r, env));
      case 'not': {
        const x = evaluate(node.x, env);
        return x === null ? null : !x;
      }
      case 'between': {
        const x = evaluate(node.x, env);
        return and3(compare('<=', evaluate(node.lo, env), x), compare('<=', x, evaluate(node.hi, env)));
      }
      case 'count': {
        const items = evaluate(node.in, env);
        return items === null ? null : items.length;
      }
      case 'sum': case 'all': case 'some': case 'none': {
        const items = evaluate(node.in, env);
        if (items === null) return null;
        let result = node.t === 'sum' ? 0 : node.t === 'some' ? false : true;
        for (const item of items) {
          const value = evaluate(node.body, { facts: env.facts, vars: Object.assign({}, env.vars, { [node.var]: item }) });
          if (node.t === 'sum') result = value === null || result === null ? null : result + value;
          else if (node.t === 'all') result = and3(result, value);
          else if (node.t === 'some') result = or3(result, value);
          else result = and3(result, value === null ? null : !value);
        }
        return result;
      }
      default: return null;
    }
  }

  // Each rule the figures break, as its sentence, by the facts it reads.
  function brokenRules() {
    const facts = currentFacts();
    const found = [];
    for (const rule of DATA.plausibility) {
      let broken;
      if (rule.each) {
        const items = facts[rule.each.fact];
        broken = Array.isArray(items) && items.some((item) =>
          evaluate(rule.expr.body, { facts: facts, vars: { [rule.each.var]: item } }) === false);
      } else {
        broken = evaluate(rule.expr, { facts: facts, vars: {} }) === false;
      }
      if (broken) found.push(rule);
    }
    return found;
  }

  function showPlausibility() {
    const broken = brokenRules();
    for (const name of Object.keys(DATA.facts)) {
      const factEl = form.querySelector(`[data-fact="${CSS.escape(name)}"]`);
      if (!factEl) continue;
      const sentences = broken.filter((rule) => rule.facts.includes(name)).map((rule) => rule.sentence);
      let note = factEl.querySelector(':scope > .plausibility-warning');
      if (!sentences.length) {
        if (note) note.remove();
        continue;
      }
      if (!note) {
        note = document.createElement('p');
        note.className = 'plausibility-warning';
        note.setAttribute('role', 'status');
        factEl.appendChild(note);
      }
      note.textContent = sentences.map((sentence) => say('form.implausible', { sentence: sentence })).join(' ');
    }
    return broken.map((rule) => rule.sentence);
  }

  // -- the document -------------------------------------------------------------

  function identityWidgets() {
    return Array.from(document.querySelectorAll('[data-identity-key]')).map((el) => ({
      key: el.dataset.identityKey, widget: el.querySelector('.kok-value'),
    }));
  }

  // The self-report the inputs hold, in the rulebook's order, with the
  // problems that stop it from being saved.
  function collect() {
    const document_ = {};
    const identity = {};
    const [nameKey, idKey] = WORDS.identity_fields;
    for (const { key, widget } of identityWidgets()) {
      const value = readWidget(widget).value;
      if (value !== null || key === nameKey || key === idKey) identity[key] = value;
    }
    document_[WORDS.identity] = identity;
    const wrong = [];
    for (const [name, spec] of Object.entries(DATA.facts)) {
      const factEl = form.querySelector(`[data-fact="${CSS.escape(name)}"]`);
      const result = check(factWidget(factEl), spec);
      const rowsWrong = factEl.querySelector('.has-error');
      if (result.problems.length || rowsWrong) wrong.push(factEl);
      if (result.value !== null || spec.required) document_[name] = result.value;
    }
    return { document: document_, wrong: wrong };
  }

  function titleOf(factEl) {
    const title = factEl.querySelector('legend, label');
    return title ? title.childNodes[0].textContent.trim() : factEl.dataset.fact;
  }

  function unanswered(document_) {
    return Object.entries(DATA.facts).filter(([name, spec]) => spec.required && document_[name] === null)
      .map(([name]) => titleOf(form.querySelector(`[data-fact="${CSS.escape(name)}"]`)));
  }

  // -- YAML and JSON out -----------------------------------------------------------

  const PLAIN_KEY = /^[\p{L}_][\p{L}\p{N}_]*(?:[- ][\p{L}\p{N}_]+)*$/u;
  // Words YAML 1.1 (PyYAML) would read as something other than text.
  const YAML_WORDS = /^(?:y|n|yes|no|on|off|true|false|null|~)$/i;

  function yamlKey(key) {
    return PLAIN_KEY.test(key) && !YAML_WORDS.test(key) ? key : JSON.stringify(key);
  }

  function yamlScalar(value) {
    if (value === null) return '';
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    // ja/nej are plain words in YAML; yes/no are read as booleans, which the loader also accepts.
    if (value === WORDS.yes || value === WORDS.no) return value;
    return JSON.stringify(value);  // a double-quoted JSON string is a valid YAML string
  }

  function yamlLines(value, indent) {
    const pad = ' '.repeat(indent);
    const lines = [];
    for (const [key, item] of Object.entries(value)) {
      if (isObject(item) && Object.keys(item).length) {
        lines.push(pad + yamlKey(key) + ':', ...yamlLines(item, indent + 2));
      } else if (Array.isArray(item) && item.length && item.some(isObject)) {
        lines.push(pad + yamlKey(key) + ':');
        for (const element of item) {
          const inner = yamlLines(element, indent + 4);
          lines.push(inner.length ? pad + '  - ' + inner[0].trimStart() : pad + '  - {}', ...inner.slice(1));
        }
      } else if (Array.isArray(item)) {
        lines.push(pad + yamlKey(key) + ': [' + item.map(yamlScalar).join(', ') + ']');
      } else if (isObject(item)) {
        lines.push(pad + yamlKey(key) + ': {}');
      } else {
        const scalar = yamlScalar(item);
        lines.push(pad + yamlKey(key) + ':' + (scalar === '' ? '' : ' ' + scalar));
      }
    }
    return lines;
  }

  function toYaml(document_) {
    return '# ' + DATA.header + '\n' + yamlLines(document_, 0).join('\n') + '\n';
  }

  function fileStem(document_) {
    const id = document_[WORDS.identity][WORDS.identity_fields[1]];
    const safe = id ? String(id).replace(/[^\p{L}\p{N}_-]+/gu, '_') : '';
    return DATA.file_stem + (safe ? '-' + safe : '');
  }

  function download(name, text, type) {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([text], { type: type + ';charset=utf-8' }));
    link.download = name;
    link.hidden = true;
    document.body.append(link);
    link.click();
    setTimeout(() => {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 1000);
  }

  function save(format) {
    const { document: document_, wrong } = collect();
    if (wrong.length) {
      statusLine.textContent = say('form.not_valid', { facts: wrong.map(titleOf).join(', ') });
      statusLine.className = 'problem';
      const first = wrong[0].querySelector('[aria-invalid=true], input, select');
      if (first) first.focus();
      return null;
    }
    const name = fileStem(document_) + (format === 'json' ? '.json' : '.yaml');
    const text = format === 'json' ? JSON.stringify(document_, null, 2) + '\n' : toYaml(document_);
    download(name, text, format === 'json' ? 'application/json' : 'application/yaml');
    const open = unanswered(document_);
    statusLine.textContent = say('form.saved', { file: name }) + ' ' +
      (open.length ? say('form.unanswered', { facts: open.join(', ') }) : say('form.all_answered'));
    statusLine.className = open.length ? 'notice' : 'done';
    return text;
  }

  // -- opening a self-report ---------------------------------------------------------

  function parseFile(name, text) {
    if (/\.json$/i.test(name)) {
      try {
        return JSON.parse(text);
      } catch (error) {
        const at = /line (\d+) column (\d+)/.exec(error.message) || [];
        throw problem('data.bad_json', { line: at[1] || '?', column: at[2] || '?', reason: error.message });
      }
    }
    try {
      // The core schema: dates and times stay text, as the loader reads them.
      return window.jsyaml.load(text, { schema: window.jsyaml.CORE_SCHEMA });
    } catch (error) {
      const mark = error.mark || {};
      throw problem('data.bad_yaml', { line: (mark.line || 0) + 1, column: (mark.column || 0) + 1,
                                       reason: error.reason || error.message });
    }
  }

  function fill(document_) {
    if (!isObject(document_)) throw problem('data.not_mapping', {});
    const identity = ACCEPTS.identity_keys.map((k) => document_[k]).find(isObject) || {};
    const attributes = ['name', 'id', 'provider', 'fictional'];
    for (const { key, widget } of identityWidgets()) {
      const attribute = attributes[WORDS.identity_fields.indexOf(key)];
      const source = Object.keys(identity).find((k) => ACCEPTS.identity_fields[k] === attribute);
      writeWidget(widget, source === undefined ? null : identity[source]);
      if (attribute === 'fictional' && source === undefined) widget.querySelector('input[value=no]').checked = true;
    }
    for (const [name, spec] of Object.entries(DATA.facts)) {
      const factEl = form.querySelector(`[data-fact="${CSS.escape(name)}"]`);
      const widget = factWidget(factEl);
      const problems = writeWidget(widget, name in document_ ? document_[name] : null, spec);
      const result = check(widget, spec);
      if (problems.length) showProblems(widget, problems.concat(result.problems.filter((p) => !problems.includes(p))));
    }
    return Object.keys(document_).filter((k) => !(k in DATA.facts) && !ACCEPTS.identity_keys.includes(k));
  }

  function open(name, text) {
    try {
      const ignored = fill(parseFile(name, text));
      showPlausibility();
      statusLine.textContent = say('form.opened', { file: name }) +
        (ignored.length ? ' ' + say('form.ignored_keys', { keys: ignored.join(', ') }) : '');
      statusLine.className = 'done';
    } catch (found) {
      if (found instanceof Error) throw found;
      statusLine.textContent = say('form.open_failed', { file: name, reason: say(found.code, found.params) });
      statusLine.className = 'problem';
    }
  }

  // -- wiring ------------------------------------------------------------------------

  function setUpSchedule(el) {
    clearSchedule(el);
    readSchedule(el);
  }

  function setUp() {
    for (const schedule of form.querySelectorAll('.schedule')) setUpSchedule(schedule);
    for (const list of form.querySelectorAll('.list')) {
      list.dataset.recordName = DATA.facts[list.closest('[data-fact]').dataset.fact].record;
      renumberRows(list);
    }
    form.addEventListener('input', (event) => { changed(event.target); showPlausibility(); });
    form.addEventListener('change', (event) => {
      const target = event.target;
      if (target.classList.contains('closed-day')) setClosed(target.closest('tr'), target.checked);
      const set = target.closest('[data-kind=set]');
      if (set && target.checked) {
        // "None of these" and the values exclude each other.
        const others = target.classList.contains('none-of-box') ? setBoxes(set) : [set.querySelector('.none-of-box')];
        for (const box of others) box.checked = false;
      }
      if (target.classList.contains('interval-text')) {
        // Written back in the canonical form once the applicant leaves the box.
        try {
          target.value = intervalText(parseInterval(target.value));
        } catch (found) {
          if (found instanceof Error) throw found;
        }
      }
      changed(target);
      showPlausibility();
    });
    form.addEventListener('click', (event) => {
      const button = event.target.closest('button');
      if (!button) return;
      if (button.classList.contains('add-interval')) {
        addInterval(button.closest('tr'), '').focus();
      } else if (button.classList.contains('copy-monday')) {
        copyMonday(button.closest('.schedule'));
      } else if (button.classList.contains('add-row')) {
        const row = addRow(button.closest('.list'));
        changed(button);
        row.querySelector('input, select').focus();
      }
    });
    form.addEventListener('submit', (event) => event.preventDefault());
    document.getElementById('save-yaml').addEventListener('click', () => save('yaml'));
    document.getElementById('save-json').addEventListener('click', () => save('json'));
    document.getElementById('open-file').addEventListener('change', (event) => {
      const file = event.target.files[0];
      if (!file) return;
      file.text().then((text) => open(file.name, text));
      event.target.value = '';
    });
  }

  setUp();
  // For scripted use and tests: the same functions the buttons call.
  window.kokForm = { collect: () => collect().document, toYaml: toYaml, open: open, save: save,
                     implausible: showPlausibility };
})();
