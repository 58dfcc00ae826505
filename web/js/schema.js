// From a tool's JSON Schema to form fields, and from typed-in values back to
// arguments, checked the way the gateway will check them so that most mistakes
// are caught before anything is sent. No DOM here, so Node can test it.
//
// Handles what the catalogue uses: string, integer, number, boolean, enum,
// optional (`"type": ["string", "null"]`, `anyOf` with null, or simply not in
// `required`), `default`, `minimum`/`maximum`, `minLength`/`maxLength`,
// `pattern`. Anything else is edited as JSON.

const INT = /^[+-]?\d+$/;

/** The non-null type of a property and whether null is allowed. */
function baseType(prop) {
  let types = prop.type;
  let nullable = false;
  if (Array.isArray(types)) {
    nullable = types.includes('null');
    types = types.filter((t) => t !== 'null');
    types = types.length === 1 ? types[0] : undefined;
  }
  if (!types && Array.isArray(prop.anyOf || prop.oneOf)) {
    const options = prop.anyOf || prop.oneOf;
    nullable = options.some((o) => o && o.type === 'null');
    const rest = options.filter((o) => o && o.type !== 'null');
    if (rest.length === 1) return { ...baseType({ ...prop, ...rest[0], anyOf: undefined, oneOf: undefined }), nullable };
  }
  return { type: types, nullable };
}

/**
 * The fields of an object schema, in a stable order (required first, then by name).
 * @returns {Array<{name, kind, required, nullable, description, default, hasDefault, options, min, max, minLength, maxLength, pattern}>}
 */
export function fieldsOf(schema) {
  const properties = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  const fields = Object.entries(properties).map(([name, prop]) => {
    prop = prop || {};
    const { type, nullable } = baseType(prop);
    let kind = 'json';
    if (Array.isArray(prop.enum)) kind = 'enum';
    else if (type === 'string') kind = 'string';
    else if (type === 'integer') kind = 'integer';
    else if (type === 'number') kind = 'number';
    else if (type === 'boolean') kind = 'boolean';
    let min = typeof prop.minimum === 'number' ? prop.minimum : undefined;
    if (min === undefined && kind === 'integer' && /^uint/.test(prop.format || '')) min = 0;
    return {
      name,
      kind,
      required: required.has(name),
      nullable,
      description: prop.description || '',
      default: prop.default,
      hasDefault: Object.prototype.hasOwnProperty.call(prop, 'default') && prop.default !== null,
      options: Array.isArray(prop.enum) ? prop.enum.filter((v) => v !== null) : undefined,
      min,
      max: typeof prop.maximum === 'number' ? prop.maximum : undefined,
      minLength: prop.minLength,
      maxLength: prop.maxLength,
      pattern: prop.pattern,
    };
  });
  fields.sort((a, b) => Number(b.required) - Number(a.required) || a.name.localeCompare(b.name));
  return fields;
}

/** What a field says about itself under its label (its default, its range). */
export function fieldHint(field) {
  const parts = [];
  if (field.hasDefault) parts.push(`default: ${JSON.stringify(field.default)}`);
  if (field.min !== undefined && field.max !== undefined) parts.push(`${field.min} to ${field.max}`);
  else if (field.min !== undefined) parts.push(`at least ${field.min}`);
  else if (field.max !== undefined) parts.push(`at most ${field.max}`);
  if (!field.required) parts.push('optional');
  return parts.join(' · ');
}

/** Checks one field's typed-in value; `{value}` to send, `{omit: true}`, or `{error}`. */
export function checkField(field, raw) {
  if (field.kind === 'boolean') {
    const value = Boolean(raw);
    const fallback = field.hasDefault ? Boolean(field.default) : false;
    if (!field.required && value === fallback) return { omit: true };
    return { value };
  }
  const text = typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : String(raw);
  const empty = field.kind === 'string' ? text === '' : text.trim() === '';
  if (empty) {
    if (field.required) return { error: 'Required.' };
    return { omit: true };
  }
  switch (field.kind) {
    case 'string': {
      if (field.minLength !== undefined && text.length < field.minLength) return { error: `At least ${field.minLength} characters.` };
      if (field.maxLength !== undefined && text.length > field.maxLength) return { error: `At most ${field.maxLength} characters.` };
      if (field.pattern) {
        let re = null;
        try {
          re = new RegExp(field.pattern, 'u');
        } catch {
          re = null; // A pattern the browser cannot read is left to the gateway.
        }
        if (re && !re.test(text)) return { error: `Does not match the expected form (${field.pattern}).` };
      }
      return { value: text };
    }
    case 'integer':
    case 'number': {
      const t = text.trim();
      const value = Number(t);
      if (field.kind === 'integer' && !INT.test(t)) return { error: 'Must be a whole number.' };
      if (!Number.isFinite(value)) return { error: 'Must be a number.' };
      if (field.min !== undefined && value < field.min) return { error: `Must be at least ${field.min}.` };
      if (field.max !== undefined && value > field.max) return { error: `Must be at most ${field.max}.` };
      return { value };
    }
    case 'enum': {
      const match = field.options.find((o) => String(o) === text);
      if (match === undefined) return { error: `Must be one of: ${field.options.join(', ')}.` };
      return { value: match };
    }
    default: {
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { error: 'Must be valid JSON.' };
      }
    }
  }
}

/**
 * Builds the arguments from typed-in values (`{name: string|boolean}`).
 * With `check: false` nothing is refused: values are sent as typed (numbers
 * that look like numbers become numbers), to let the gateway judge them.
 * @returns {{args: object, errors: object}}
 */
export function collect(fields, raw, { check = true } = {}) {
  const args = {};
  const errors = {};
  for (const field of fields) {
    const value = raw[field.name];
    if (!check) {
      if (field.kind === 'boolean') {
        if (value) args[field.name] = true;
      } else if (value !== undefined && value !== '') {
        const t = String(value).trim();
        args[field.name] = (field.kind === 'integer' || field.kind === 'number') && t !== '' && Number.isFinite(Number(t))
          ? Number(t)
          : value;
      }
      continue;
    }
    const result = checkField(field, value);
    if (result.error) errors[field.name] = result.error;
    else if (!result.omit) args[field.name] = result.value;
  }
  return { args, errors };
}
