import { describe, expect, it } from 'vitest';
import { toApiError } from './errors';

describe('toApiError', () => {
  it('uses detail', () => {
    const e = toApiError(402, { detail: 'Your card was declined.' });
    expect(e.message).toBe('Your card was declined.');
    expect(e.status).toBe(402);
  });
  it('uses details (account endpoints) and detial (sic)', () => {
    expect(toApiError(401, { details: 'Incorrect password.' }).message).toBe('Incorrect password.');
    expect(toApiError(400, { detial: 'username or email cannot be empty' }).message).toBe('username or email cannot be empty');
  });
  it('collects top-level field errors', () => {
    const e = toApiError(400, { phone_number: ['Phone number must be entered in the format'], city: ['This field may not be blank.'] });
    expect(e.field('phone_number')).toBe('Phone number must be entered in the format');
    expect(e.field('city')).toBe('This field may not be blank.');
    expect(e.message).toBe('phone number: Phone number must be entered in the format');
  });
  it('collects field errors wrapped in detail (product forms)', () => {
    const e = toApiError(400, { detail: { price: ['A valid number is required.'] } });
    expect(e.fieldErrors).toEqual({ price: ['A valid number is required.'] });
    expect(e.message).toBe('price: A valid number is required.');
  });
  it('falls back to a status message', () => {
    expect(toApiError(503, null).message).toMatch(/temporarily unavailable/);
    expect(toApiError(418, '<html>teapot</html>').message).toBe('Request failed (HTTP 418).');
    expect(toApiError(200, 'Card deleted successfully.').message).toBe('Card deleted successfully.');
  });
});
